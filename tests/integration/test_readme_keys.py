"""The README's "API keys and organisations" steps with a typo in the organisation, as a newcomer makes one: the
command says the organisation does not exist (and which one was meant) instead of an empty table, "no key", or a
login link to a brand-new empty organisation."""

from __future__ import annotations

import re

import psycopg

from tests.integration.import_support import cli, org_database


def test_a_misspelt_organisation_is_named_not_listed_empty_nor_created(fresh_db, tmp_path):
    target = org_database(fresh_db, ("harbour-pilots", "Harbour Pilots"), ("tugs", "Tug Fleet"))
    made = cli(target, tmp_path, "keys", "create", "--org", "harbour-pilots", "--role", "admin", "--name", "ops")
    assert made.returncode == 0, made.stderr
    prefix = made.stdout.strip().split("_")[1]

    listed = cli(target, tmp_path, "keys", "list", "--org", "harbour-pilots")
    assert listed.returncode == 0 and prefix in listed.stdout and "ops" in listed.stdout
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", listed.stdout)  # a time a person reads, not 07:36:00.370710+00:00
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", listed.stdout)

    for args in (("keys", "list", "--org", "harbor-pilots"),
                 ("keys", "revoke", "--org", "harbor-pilots", "--prefix", prefix),
                 ("login-link", "--org", "harbor-pilots")):
        out = cli(target, tmp_path, *args)
        said = " ".join(out.stderr.split())
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert "organisation 'harbor-pilots' does not exist (did you mean harbour-pilots" in said, said
        assert out.stdout == "" and "Traceback" not in out.stderr

    with psycopg.connect(target.conninfo) as conn:
        assert [r[0] for r in conn.execute("SELECT slug FROM orgs ORDER BY slug")] == ["harbour-pilots", "tugs"]
        assert conn.execute("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL").fetchone() == (1,)
    link = cli(target, tmp_path, "login-link", "--org", "tugs", "--base", "http://ops.tugs.test:8080")
    assert link.returncode == 0 and link.stdout.startswith("http://ops.tugs.test:8080/?token=ogl_")
