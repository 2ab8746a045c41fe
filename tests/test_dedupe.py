"""Near-duplicate detection: reworded, reordered and relocated reposts cluster; distinct jobs don't."""

import numpy as np

from adequa.enrich.dedupe import DedupeConfig, MinHasher, candidate_pairs, connected_clusters, near_duplicate_clusters

BASE = ("Nous recherchons un data engineer pour rejoindre notre équipe à Rouen. Vous concevez et maintenez des "
        "pipelines de données en Python et SQL, vous industrialisez les modèles et vous participez à la mise en "
        "place de la plateforme cloud. Profil : bac+5 en informatique, trois ans d'expérience, maîtrise de Spark "
        "et de Airflow. Poste en CDI, télétravail partiel, tickets restaurant et mutuelle.")
OTHER = ("Boulangerie artisanale recrute un boulanger pour la fabrication du pain et des viennoiseries. Travail "
         "de nuit du mardi au samedi, expérience souhaitée, CAP boulanger exigé. Salaire selon convention.")


def test_signatures_are_stable_and_deterministic():
    a, b = MinHasher(), MinHasher()
    sa, sb = a.signatures([BASE, OTHER]), b.signatures([OTHER, BASE])
    assert (sa[0] == sb[1]).all() and (sa[1] == sb[0]).all()
    assert sa.dtype == np.uint32 and sa.shape == (2, DedupeConfig().num_perm)


def test_signature_agreement_estimates_jaccard():
    h = MinHasher(DedupeConfig(num_perm=256, bands=64))
    variant = BASE.replace("Rouen", "Caen").replace("trois ans", "deux ans")
    a, b = set(h.shingles(BASE)), set(h.shingles(variant))
    true_j = len(a & b) / len(a | b)
    s = h.signatures([BASE, variant])
    assert abs((s[0] == s[1]).mean() - true_j) < 0.12


def test_near_duplicates_cluster_and_distinct_jobs_do_not():
    sentences = BASE.split(". ")
    reordered = ". ".join(sentences[1:] + sentences[:1])
    relocated = BASE.replace("Rouen", "Le Havre")
    reworded = BASE.replace("Nous recherchons", "Nous recrutons").replace("mutuelle", "une mutuelle d'entreprise")
    labels = near_duplicate_clusters([BASE, reordered, relocated, reworded, OTHER, OTHER + " Débutants acceptés."])
    assert labels[0] == labels[1] == labels[2] == labels[3]
    assert labels[4] == labels[5] != labels[0]


def test_exact_keys_join_clusters():
    labels = near_duplicate_clusters(["a b c d", "x y z w", "q r s t"], exact_keys=["k1", "k2", "k1"])
    assert labels.tolist() == [0, 1, 0]


def test_full_buckets_pair_only_their_first_texts():
    keys = np.tile(np.arange(4, dtype=np.int64), (5, 1))     # five texts sharing all four buckets
    assert len(candidate_pairs(keys, min_shared_bands=2, max_bucket=10)) == 10
    # a bucket pairs only its first max_bucket texts in arrival (row) order: texts 3 and 4 pair with no one
    assert candidate_pairs(keys, min_shared_bands=2, max_bucket=3).tolist() == [[0, 1], [0, 2], [1, 2]]
    # reversed arrival: the first three rows are now texts 4, 3, 2
    assert candidate_pairs(keys[::-1], min_shared_bands=2, max_bucket=3).tolist() == [[0, 1], [0, 2], [1, 2]]
    # a text beyond the cap in one bucket still pairs through the buckets where it came early enough
    mixed = np.array([[1, 2, 3], [1, 2, 3], [1, 2, 4], [9, 2, 4]], dtype=np.int64)     # bucket 2 holds all four
    assert candidate_pairs(mixed, min_shared_bands=2, max_bucket=2).tolist() == [[0, 1]]
    assert candidate_pairs(mixed, min_shared_bands=2, max_bucket=3).tolist() == [[0, 1], [0, 2], [1, 2]]


def test_connected_clusters_label_is_smallest_member():
    assert connected_clusters(5, np.array([[3, 4], [1, 3]])).tolist() == [0, 1, 2, 1, 1]
