"""`adequa eval`: accuracy of the skill extractor, as defined in EVALUATION.md.

* ``gold``: our labelled dev ads (bench/gold/skills_gold_fr.jsonl: offsets + ids keyed by the
  offer id and a sha256 of its description; the descriptions are read from the mirror).
  Partial and strict span F1 (one-to-one matching, largest overlap first) and ROME link
  accuracy, per split (``dev`` was looked at while tuning, ``test`` was not, ``fresh`` was
  labelled blind in session 11 and measured once before and after that session's changes).
* ``weak``: the recruiters' ROME codes (``competences`` of France Travail offers) as weak
  labels: micro precision / recall of the ROME ids predicted per ad.
* ``skillspan``: English SkillSpan dev, span F1 (skill and knowledge spans pooled).
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
from pathlib import Path

from adequa.config import Settings
from adequa.errors import InputError, ReferentialError

GOLD = Path(__file__).resolve().parents[2] / "bench" / "gold" / "skills_gold_fr.jsonl"


# -- matching -------------------------------------------------------------------------------------
def match_spans(pred: list[tuple[int, int]], gold: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One-to-one (pred index, gold index) pairs of overlapping spans, largest overlap first."""
    pairs = []
    for i, (ps, pe) in enumerate(pred):
        for j, (gs, ge) in enumerate(gold):
            ov = min(pe, ge) - max(ps, gs)
            if ov > 0:
                pairs.append((ov, i, j))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_p, used_g, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def score_ads(items: list[tuple[list[dict], list[dict]]]) -> dict:
    """items: (predicted mentions, gold mentions) per ad, each with start/end(/rome_ogr)."""
    n_pred = n_gold = tp_partial = tp_strict = 0
    link_total = link_ok = 0
    for pred, gold in items:
        pred = [m for m in pred if m.get("field", "description") == "description"]
        ps = [(m["start"], m["end"]) for m in pred]
        gs = [(m["start"], m["end"]) for m in gold]
        n_pred += len(ps)
        n_gold += len(gs)
        pairs = match_spans(ps, gs)
        tp_partial += len(pairs)
        tp_strict += len(set(ps) & set(gs))
        for i, j in pairs:
            if gold[j].get("rome_ogr"):
                link_total += 1
                link_ok += int(pred[i].get("rome_ogr") == gold[j]["rome_ogr"])
    partial, strict = prf(tp_partial, n_pred, n_gold), prf(tp_strict, n_pred, n_gold)
    return {"ads": len(items), "predicted": n_pred, "gold": n_gold,
            "partial_p": partial["precision"], "partial_r": partial["recall"], "partial_f1": partial["f1"],
            "strict_p": strict["precision"], "strict_r": strict["recall"], "strict_f1": strict["f1"],
            "rome_link_acc": round(link_ok / link_total, 4) if link_total else 0.0, "rome_links": link_total}


# -- data -----------------------------------------------------------------------------------------
def _offers_dir(settings: Settings) -> Path:
    folder = settings.data_root() / "offers" / "france-travail"
    if not folder.is_dir():
        raise ReferentialError(f"{folder}: offers not found (set ADEQUA_MIRROR=../shared/data)")
    return folder


def _read_offers(path: Path) -> list[dict]:
    csv.field_size_limit(1 << 30)
    delim = "|" if path.name.startswith("mounaTay") else ","
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delim))


def _offer_text(row: dict) -> tuple[str, str, str, str]:
    """(id, title, description, rome) whatever the column set of the file."""
    return (row.get("id") or row.get("hash_id") or "", row.get("intitule") or row.get("titre") or "",
            row.get("description") or "", row.get("romeCode") or row.get("rome_code") or "")


def load_gold(settings: Settings, path: Path | None = None) -> list[dict]:
    """Gold records with their description and title, checked against the stored sha256."""
    path = Path(path or GOLD)
    if not path.exists():
        raise InputError("gold file not found", path=str(path))
    folder = _offers_dir(settings)
    cache: dict[str, dict[str, dict]] = {}
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            rec = json.loads(line)
            if rec["file"] not in cache:
                cache[rec["file"]] = {_offer_text(r)[0]: r for r in _read_offers(folder / rec["file"])}
            row = cache[rec["file"]].get(rec["id"])
            if row is None:
                raise InputError(f"offer {rec['id']} not in {rec['file']}", path=str(path), line=n)
            _, title, desc, rome = _offer_text(row)
            if hashlib.sha256(desc.encode()).hexdigest() != rec["sha256"]:
                raise InputError(f"description of offer {rec['id']} changed (sha256 mismatch)", path=str(path), line=n)
            out.append({**rec, "title": title, "description": desc, "source_rome": rome})
    return out


# -- the three evaluations ------------------------------------------------------------------------
def eval_gold(settings: Settings, extractor, classifier, split: str = "all", limit: int | None = None) -> dict:
    from adequa.pipeline.annotate import annotate_ad

    gold = load_gold(settings)
    results = {}
    splits = list(dict.fromkeys(g["split"] for g in gold))     # in file order: dev, test, fresh
    for name in (splits if split == "all" else [split]):
        items = []
        for rec in [g for g in gold if g["split"] == name][:limit]:
            out = annotate_ad({"id": rec["id"], "title": rec["title"], "description": rec["description"]},
                              extractor, classifier, "fr")
            items.append((out["skills"], rec["mentions"]))
        results[f"gold-{name}"] = score_ads(items)
    return results


def eval_weak(settings: Settings, extractor, classifier, limit: int | None = None) -> dict:
    """Micro precision/recall of predicted ROME ids against the recruiters' competences codes."""
    from adequa.pipeline.annotate import annotate_ad

    from adequa.sources.referentials import rome

    folder = _offers_dir(settings)
    gold_ids = {g["id"] for g in load_gold(settings)} if GOLD.exists() else set()
    parent = {r["code_ogr"]: r["macro_ogr"] for r in rome.competences(rome.locate(settings.data_root() / "rome"))
              if r.get("macro_ogr")}
    tp = n_pred = n_gold = ads = 0
    tp_p_par = tp_r_par = 0
    for path in sorted(folder.glob("*.csv")):
        for row in _read_offers(path):
            comp = row.get("competences")
            if not comp or not comp.strip().startswith("["):
                continue
            try:
                codes = {str(c.get("code")) for c in ast.literal_eval(comp) if isinstance(c, dict) and c.get("code")}
            except (ValueError, SyntaxError):
                continue
            oid, title, desc, _ = _offer_text(row)
            if not codes or not desc or oid in gold_ids:
                continue
            out = annotate_ad({"id": oid, "title": title, "description": desc}, extractor, classifier, "fr")
            pred = {m["rome_ogr"] for m in out["skills"] if m.get("rome_ogr") and m.get("field") != "title"}
            tp += len(pred & codes)
            widened = pred | {parent[p] for p in pred if p in parent}
            tp_r_par += len(widened & codes)
            tp_p_par += sum(1 for p in pred if p in codes or parent.get(p) in codes)
            n_pred += len(pred)
            n_gold += len(codes)
            ads += 1
            if limit and ads >= limit:
                break
        if limit and ads >= limit:
            break
    r = prf(tp, n_pred, n_gold)
    return {"weak-rome": {"ads": ads, "predicted_ids": n_pred, "recruiter_ids": n_gold, "precision": r["precision"],
                          "recall": r["recall"], "f1": r["f1"],
                          "precision_with_macro": round(tp_p_par / n_pred, 4) if n_pred else 0.0,
                          "recall_with_macro": round(tp_r_par / n_gold, 4) if n_gold else 0.0}}


def eval_skillspan(settings: Settings, extractor, limit: int | None = None) -> dict:
    path = settings.data_root() / "benchmarks" / "skillspan" / "dev.json"
    if not path.exists():
        raise ReferentialError(f"{path}: SkillSpan dev set not found")
    items = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            toks = rec["tokens"]
            text, starts = "", []
            for t in toks:
                starts.append(len(text) + (1 if text else 0))
                text = f"{text} {t}" if text else t
            gold = []
            for layer in ("tags_skill", "tags_knowledge"):
                cur = None
                for k, tag in enumerate(rec[layer] + ["O"]):
                    if cur is not None and not tag.startswith("I"):
                        gold.append({"start": starts[cur[0]], "end": starts[cur[1]] + len(toks[cur[1]])})
                        cur = None
                    if tag.startswith("B"):
                        cur = [k, k]
                    elif tag.startswith("I") and cur is not None:
                        cur[1] = k
            gold = [dict(t) for t in {tuple(sorted(g.items())) for g in gold}]
            pred = [m.to_dict() for m in extractor.extract(text, lang="en")]
            items.append((pred, gold))
            if limit and len(items) >= limit:
                break
    return {"skillspan-dev": score_ads(items)}


def run_eval(settings: Settings, what: str = "all", split: str = "all", limit: int | None = None) -> dict:
    from adequa.pipeline.annotate import load_models

    extractor, classifier = load_models(settings, occupations=what in ("all", "gold", "weak"))
    if classifier is not None:
        # the gold and weak ads are offers of the data folder, whose codes the classifier's votes of
        # coded titles learned: without them, the fiche hints are what an unseen ad would get (a copy:
        # the process's shared classifier keeps its votes)
        import copy

        classifier = copy.copy(classifier)
        classifier.coded = None
    results: dict = {}
    if what in ("all", "gold"):
        results.update(eval_gold(settings, extractor, classifier, split, limit))
    if what in ("all", "weak"):
        results.update(eval_weak(settings, extractor, classifier, limit))
    if what in ("all", "skillspan"):
        results.update(eval_skillspan(settings, extractor, limit))
    if not results:
        raise InputError(f"unknown evaluation {what!r}: use gold, weak, skillspan or all")
    return results
