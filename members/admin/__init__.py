"""Django admin for the register. Member writes go through members.services (the form's
save and every action), national ids are masked everywhere but the input field, and
exact national-id search goes through the keyed hash.

`member` holds the member admin, `forms` its forms, `records` the reference tables.
"""

from . import member, records  # noqa: F401
