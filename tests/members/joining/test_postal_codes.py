"""The shipped postal-code register and `manage.py load_postal_codes`, which refreshes it
from Posten/Bring's public file."""

import io
import shutil

import httpx
import pytest
from django.core.management import CommandError, call_command

from members import postal
from members.management.commands import load_postal_codes

SHIPPED = postal.DEFAULT_PATH


@pytest.fixture
def register(tmp_path, settings):
    """A copy of the shipped register the command may overwrite."""
    target = tmp_path / "postnummerregister.tsv"
    shutil.copy(SHIPPED, target)
    settings.POSTAL_CODES_FILE = str(target)
    return target


def bring_file(tmp_path, extra: str = "", drop: str = "") -> str:
    """The shipped register as Bring publishes it: Windows-1252, CRLF line ends."""
    lines = [
        line
        for line in SHIPPED.read_text(encoding="utf-8").splitlines()
        if not (drop and line.startswith(drop + "\t"))
    ]
    if extra:
        lines.append(extra)
    source = tmp_path / "Postnummerregister-ansi.txt"
    source.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")
    return str(source)


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_postal_codes", *args, stdout=out)
    return out.getvalue()


def test_the_shipped_register_is_posten_s_and_complete():
    codes = postal.codes()
    assert len(codes) > 5000
    assert postal.lookup("0001").city == "OSLO"
    assert postal.lookup("5003").city_title == "Bergen"
    assert postal.lookup("9170").city == "LONGYEARBYEN"


def test_a_refresh_adds_changes_and_removes_codes(tmp_path, register):
    source = bring_file(tmp_path, extra="0002\tTESTSTED Ø\t0301\tOSLO\tP", drop="0010")
    assert postal.lookup("0002") is None
    output = run(source)
    assert "1 nye, 1 fjernet, 0 endret" in output
    # Read again from the new file without a restart, the Windows-1252 Ø intact.
    assert postal.lookup("0002").city == "TESTSTED Ø"
    assert postal.lookup("0010") is None
    assert register.read_text(encoding="utf-8").startswith("0001\tOSLO\t0301\tOSLO\tP\n")
    assert "allerede oppdatert" in run(source)


def test_a_dry_run_changes_nothing(tmp_path, register):
    before = register.read_bytes()
    output = run(bring_file(tmp_path, extra="0002\tTESTSTED\t0301\tOSLO\tP"), "--dry-run")
    assert "1 nye" in output and "prøvekjøring" in output
    assert register.read_bytes() == before


def test_a_truncated_or_malformed_file_is_refused_and_the_register_kept(tmp_path, register):
    before = register.read_bytes()
    short = tmp_path / "short.txt"
    short.write_text("0001\tOSLO\t0301\tOSLO\tP\n", encoding="utf-8")
    with pytest.raises(CommandError, match="bare 1 postnumre"):
        run(str(short))
    page = tmp_path / "error.html"
    page.write_text("<html><body>Not found</body></html>\n", encoding="utf-8")
    with pytest.raises(CommandError, match="ikke postnummerregisteret"):
        run(str(page))
    with pytest.raises(CommandError, match="Kan ikke lese"):
        run(str(tmp_path / "missing.txt"))
    assert register.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".postal-")]


def test_the_register_is_fetched_from_bring_over_https(tmp_path, register, monkeypatch, settings):
    body = open(bring_file(tmp_path, extra="0002\tTESTSTED\t0301\tOSLO\tP"), "rb").read()
    asked = []

    def fake_get(url, **kwargs):
        asked.append(url)
        return httpx.Response(200, content=body, request=httpx.Request("GET", url))

    monkeypatch.setattr(load_postal_codes.httpx, "get", fake_get)
    run()
    assert asked == [load_postal_codes.DEFAULT_URL]
    assert postal.lookup("0002").city == "TESTSTED"
    settings.POSTAL_CODES_URL = "http://example.org/register.txt"
    with pytest.raises(CommandError, match="https"):
        run()


def test_a_failed_download_keeps_the_register(register, monkeypatch):
    before = register.read_bytes()

    def failing_get(url, **kwargs):
        return httpx.Response(503, request=httpx.Request("GET", url))

    monkeypatch.setattr(load_postal_codes.httpx, "get", failing_get)
    with pytest.raises(CommandError, match="Kan ikke hente"):
        run("https://www.bring.no/postnummerregister-ansi.txt")
    assert register.read_bytes() == before
