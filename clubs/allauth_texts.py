"""allauth's and Django admin's own texts whose stock Norwegian reads badly or is
missing ("Legg til ny medlem", "Show counts"), and allauth's ("enda", "Endre Passord",
"Notat", "assosiert med", "Bekreftelsese-post", "linken", "epost").

Listing the exact English msgids here puts them in our catalogue
(locale/*/LC_MESSAGES/django.po), and the project's catalogue wins over allauth's, so
the bokmål msgstr there is what people read. English msgstr = msgid. Nothing imports
this module; `makemessages` reads it."""

from django.utils.translation import gettext_noop

ALLAUTH_TEXTS = [
    gettext_noop("You cannot add more than %d email addresses."),
    gettext_noop("The email address is not assigned to any user account."),
    gettext_noop("The following email addresses are associated with your account:"),
    gettext_noop(
        "If you have not created an account yet, then please %(link)ssign up%(end_link)s first."
    ),
    gettext_noop("Confirmation email sent to %(email)s."),
    gettext_noop("Change Password"),
    gettext_noop(
        "Forgotten your password? Enter your email address below, and we'll send you "
        "an email allowing you to reset it."
    ),
    gettext_noop(
        "The password reset link was invalid, possibly because it has already been "
        'used.  Please request a <a href="%(passwd_reset_url)s">new password reset</'
        "a>."
    ),
    gettext_noop("Note"),
    gettext_noop("Mark selected email addresses as verified"),
    gettext_noop("Forgot your password?"),
    gettext_noop("Please reauthenticate to safeguard your account."),
    gettext_noop("Re-send Verification"),
    gettext_noop("Verified"),
    # The account page calls them passkeys and active logins; allauth's own pages too.
    gettext_noop("Security Keys"),
    gettext_noop("Security Key Added"),
    gettext_noop("Security Key Removed"),
    gettext_noop("Security key added."),
    gettext_noop("Security key removed."),
    gettext_noop("Sessions"),
    # Django admin.
    gettext_noop("Add %(name)s"),
    gettext_noop("Show counts"),
    gettext_noop("Hide counts"),
]
