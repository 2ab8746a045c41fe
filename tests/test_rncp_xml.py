"""RNCP/RS XML export (flux V4.1): streaming parse, hardening, rejects, re-loads and version history."""

import shutil
import zipfile

import pytest

from adequa.errors import InputError
from adequa.pipeline.training import ingest_rncp
from adequa.sources.rncp import Rejected, export_date, read_fiches
from adequa.store.duckdb import Warehouse


@pytest.fixture()
def export(fixtures):
    return fixtures / "training" / "rncp_export_2025-01-10.xml"


def test_fiches_are_read_with_their_parts(export):
    recs = list(read_fiches(export))
    fiches = {r["numero"]: r for r in recs if isinstance(r, dict)}
    assert set(fiches) == {"RNCP90001", "RS9002", "RNCP90005"}
    f = fiches["RNCP90001"]
    assert f["niveau"] == 6 and f["repertoire"] == "RNCP" and f["actif"] is True
    assert f["date_fin_enregistrement"] == "2029-12-31"
    assert f["codes_rome"] == ["M1419"] and f["codes_nsf"] == ["326"] and f["codes_formacode"] == ["31036"]
    assert [b["code"] for b in f["blocs"]] == ["RNCP90001BC01", "RNCP90001BC02"]
    assert "SQL" in f["blocs"][0]["competences"]
    assert f["voie_ca"] is True and f["voie_vae"] is False and f["voie_cq"] is None
    assert {(c["role"], c["nom"]) for c in f["certifiers"]} == {("certificateur", "ECOLE FICTIVE DES DONNEES"),
                                                                 ("former", "CENTRE FICTIF DE ROUEN")}
    assert f["anciennes"] == ["RNCP80001"]
    assert fiches["RS9002"]["niveau"] is None and fiches["RS9002"]["blocs"] == []


def test_bad_fiches_are_rejected_with_number_and_field(export):
    rejects = [r for r in read_fiches(export) if isinstance(r, Rejected)]
    by_record = {r.record: r for r in rejects}
    assert by_record["RNCP90003"].field == "DATE_FIN_ENREGISTREMENT"
    assert "31/02/2027" in by_record["RNCP90003"].reason
    assert by_record["#4"].field == "NUMERO_FICHE"


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_entity_declarations_are_refused(fixtures, name):
    with pytest.raises(InputError, match="refused"):
        list(read_fiches(fixtures / "training" / name))


def test_malformed_xml_names_the_line(fixtures):
    with pytest.raises(InputError) as err:
        list(read_fiches(fixtures / "training" / "malformed.xml"))
    assert err.value.line == 9


def test_zipped_export_reads_the_same(export, tmp_path):
    z = tmp_path / "export-fiches-rncp-v4-1-2025-01-10.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(export, "export_fiches_RNCP_V4_1_2025-01-10.xml")
    a = [r["content_hash"] for r in read_fiches(export) if isinstance(r, dict)]
    b = [r["content_hash"] for r in read_fiches(z) if isinstance(r, dict)]
    assert a == b and export_date(z) == "2025-01-10"


def test_reload_changes_nothing_and_rejects_are_stored(export, db_path):
    with Warehouse(db_path) as wh:
        s1 = ingest_rncp(export, wh)
        counts = {t: wh.count(t) for t in ("certifications", "certification_blocs", "certification_rome",
                                           "certification_certifiers", "rejects")}
        s2 = ingest_rncp(export, wh)
        assert {t: wh.count(t) for t in counts} == counts
        assert (s1.stored, s1.rejected) == (3, 2) and (s2.stored, s2.unchanged) == (0, 3)
        assert counts["certifications"] == 3 and counts["certification_blocs"] == 3
        rej = wh.query_dicts("SELECT record, field FROM rejects WHERE source = 'rncp' ORDER BY record")
        assert {"record": "RNCP90003", "field": "DATE_FIN_ENREGISTREMENT"} in rej
        assert wh.scalar("SELECT export_date FROM certifications WHERE numero = 'RNCP90001'").isoformat() == "2025-01-10"


def _newer_export(export, tmp_path, date, replace):
    text = export.read_text(encoding="utf-8")
    for a, b in replace:
        assert a in text
        text = text.replace(a, b)
    path = tmp_path / f"export_fiches_RNCP_V4_1_{date}.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_newer_export_adds_a_version_and_keeps_history(export, db_path, tmp_path):
    newer = _newer_export(export, tmp_path, "2025-06-01", [
        ("<ETAT_FICHE>Publiée</ETAT_FICHE>\n    <FORMACODES>", "<ETAT_FICHE>Dépubliée/Archivée</ETAT_FICHE>\n    <FORMACODES>"),
        ("<LIBELLE>Restituer des analyses</LIBELLE>", "<LIBELLE>Restituer et expliquer des analyses</LIBELLE>")])
    with Warehouse(db_path) as wh:
        ingest_rncp(export, wh)
        s = ingest_rncp(newer, wh)
        assert s.versions == 1 and s.unchanged == 2
        rows = wh.query("SELECT etat, is_current, export_date::VARCHAR FROM certifications WHERE numero = 'RNCP90001' "
                        "ORDER BY export_date")
        assert rows == [("Publiée", False, "2025-01-10"), ("Dépubliée/Archivée", True, "2025-06-01")]
        assert wh.scalar("SELECT libelle FROM certification_blocs WHERE code = 'RNCP90001BC02'") == \
            "Restituer et expliquer des analyses"
        # the same newer export again: nothing moves
        ingest_rncp(newer, wh)
        assert wh.count("certifications") == 4
        # an older export loaded late is history, not the current state
        ingest_rncp(export, wh)
        assert wh.scalar("SELECT etat FROM certifications WHERE numero = 'RNCP90001' AND is_current") == \
            "Dépubliée/Archivée"
        assert wh.scalar("SELECT count(*) FROM certifications WHERE is_current GROUP BY numero ORDER BY 1 DESC LIMIT 1") == 1


@pytest.mark.mirror
def test_real_sample_fiches(mirror):
    recs = list(read_fiches(mirror / "training" / "rncp" / "export_fiches_RNCP_v4.1_sample.xml"))
    fiches = {r["numero"]: r for r in recs if isinstance(r, dict)}
    assert len(fiches) == 12 and not [r for r in recs if isinstance(r, Rejected)]
    dev = fiches["RNCP37674"]
    assert dev["niveau"] == 5 and dev["codes_rome"] == ["M1805"] and len(dev["blocs"]) == 2
    assert fiches["RNCP36490"]["niveau"] == 6
    rs = [r for r in read_fiches(mirror / "training" / "rncp" / "export_fiches_RS_v4.1_sample.xml") if isinstance(r, dict)]
    assert len(rs) == 8 and all(r["repertoire"] == "RS" and r["niveau"] is None for r in rs)


def test_prolog_guard_reads_past_comments_and_allows_a_bare_doctype(tmp_path):
    body = "<FICHES><FICHE><NUMERO_FICHE>RNCP1</NUMERO_FICHE><INTITULE>ok</INTITULE></FICHE></FICHES>"
    bare = tmp_path / "bare.xml"
    bare.write_text('<?xml version="1.0"?>\n<!DOCTYPE FICHES>\n' + body, encoding="utf-8")
    assert [f["numero"] for f in read_fiches(bare)] == ["RNCP1"]
    hidden = tmp_path / "hidden.xml"
    hidden.write_text('<?xml version="1.0"?>\n<!--' + "x" * 200_000 + '-->\n'
                      '<!DOCTYPE FICHES [<!ENTITY e "boom">]>\n' + body.replace("ok", "&e;"), encoding="utf-8")
    with pytest.raises(InputError, match="refused"):
        list(read_fiches(hidden))
