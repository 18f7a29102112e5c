import pytest
from django.core.exceptions import ValidationError

from members.models import Member


@pytest.mark.django_db
def test_factory_members_pass_full_validation(club):
    from tests.factories import MemberFactory

    for _ in range(20):
        member = MemberFactory(club=club)
        member.full_clean()
    assert Member.objects.count() == 20


@pytest.mark.django_db
def test_the_named_users_see_what_their_grants_allow(
    member, club_officer, other_club_officer, branch_officer, central_staff
):
    own = member.member
    assert list(Member.objects.visible_to(club_officer)) == [own]
    assert list(Member.objects.visible_to(branch_officer)) == [own]
    assert not Member.objects.visible_to(other_club_officer).exists()
    assert not Member.objects.visible_to(member).exists()
    assert Member.objects.visible_to(central_staff).count() == Member.objects.count()


def test_a_wrong_check_digit_is_rejected_with_a_norwegian_message():
    from django.utils import translation

    from members.validators import validate_national_id

    with translation.override("nb"):
        with pytest.raises(ValidationError) as error:
            validate_national_id("01019012346")
        assert "Kontrollsifrene" in str(error.value)
