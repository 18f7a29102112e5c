"""The staff register (/medlemsregister/): central staff search the register, open a
member, reveal the national id after re-authentication, edit and act on a member."""
