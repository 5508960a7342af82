"""Fingerprints: normalisation invariance, determinism, datasketch compatibility, exact measures."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import fingerprint as fp
from tracker import signatures as sig
from tracker.normalize import normalize_text

TEXT = (
    "The council voted on Tuesday to close the old library on Elm Street, "
    "after a year of debate about the cost of repairs and the future of the building. "
    "Residents said they would appeal the decision before the end of the month."
)


def test_shingles_ignore_case_quotes_dashes_punctuation_and_spacing():
    variant = (
        "THE  council voted on Tuesday -- to close the ‘old’ library on Elm Street;\n\n"
        "after a year of debate … about the cost of repairs and the future of the building! "
        "“Residents” said they would appeal the decision before the end of the month"
    )
    assert np.array_equal(fp.shingles(TEXT), fp.shingles(variant))


def test_shingles_are_deterministic_sorted_unique_uint32():
    a, b = fp.shingles(TEXT), fp.shingles(TEXT)
    assert a.dtype == np.uint32 and np.array_equal(a, b)
    assert np.all(np.diff(a.astype(np.int64)) > 0)
    assert len(a) == len(TEXT.split()) - fp.SHINGLE_K + 1


def test_word_order_matters_inside_a_shingle():
    assert not np.array_equal(fp.shingles("a b c d e"), fp.shingles("e d c b a"))


def test_short_and_empty_texts():
    assert len(fp.shingles("two words")) == 1
    assert len(fp.shingles("")) == 0
    empty = sig.signatures([fp.shingles("")])
    assert (empty == np.iinfo(np.uint32).max).all()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x3100), max_size=60))
def test_fast_words_equal_normalize_text(text):
    assert fp.normalized_words(text) == normalize_text(text).encode("utf-8").split()
    # Paragraph block hashes rely on this: the joined words are the normalised text.
    assert b" ".join(fp.normalized_words(text)).decode("utf-8") == normalize_text(text)


def test_unspaced_scripts_use_character_shingles():
    chinese = "北京市政府今天宣布将在明年关闭旧图书馆并建设新的文化中心以满足居民需求"
    edited = chinese.replace("今天", "昨天")
    a, b = fp.shingles(chinese), fp.shingles(edited)
    assert len(a) == len(chinese) - fp.CHAR_K + 1
    assert 0.6 < fp.jaccard(a, b) < 1.0


def test_minhash_equals_datasketch_update_batch_and_works_with_lsh():
    sets = [
        fp.shingles(TEXT),
        fp.shingles(TEXT + " And then it rained all week."),
        fp.shingles("x y z w v"),
    ]
    sigs = sig.signatures(sets, scheme=sig.AFFINE32)
    lsh = MinHashLSH(num_perm=sig.NUM_PERM, params=(16, 8))
    for i, shingle_set in enumerate(sets):
        reference = MinHash(num_perm=sig.NUM_PERM, seed=sig.SEED, hashfunc=lambda v: v)
        reference.update_batch(shingle_set.tolist())
        assert np.array_equal(reference.hashvalues, sigs[i])
        lean = sig.minhash(shingle_set, scheme=sig.AFFINE32)
        assert np.array_equal(lean.hashvalues, sigs[i])
        lsh.insert(i, lean)
    assert set(lsh.query(sig.minhash(sets[0], scheme=sig.AFFINE32))) >= {0, 1}


def test_rensa_signatures_equal_rensa_per_document_and_work_with_lsh():
    from rensa import RMinHash

    sets = [
        fp.shingles(TEXT),
        fp.shingles(TEXT + " And then it rained all week."),
        fp.shingles("x y z w v"),
    ]
    assert sig.SCHEME == sig.RENSA
    sigs = sig.signatures(sets)
    lsh = MinHashLSH(num_perm=sig.NUM_PERM, params=(16, 8))
    for i, shingle_set in enumerate(sets):
        reference = RMinHash.digest_matrix_from_token_hash_sets(
            [shingle_set.tolist()], sig.NUM_PERM, sig.SEED
        ).to_rows()[0]
        assert np.array_equal(np.array(reference, dtype=np.uint32), sigs[i])
        lean = sig.minhash(shingle_set)
        assert np.array_equal(lean.hashvalues, sigs[i])
        lsh.insert(i, lean)
    assert set(lsh.query(sig.minhash(sets[0]))) >= {0, 1}
    # The two schemes give different values for the same set: they must never meet.
    assert not np.array_equal(sigs, sig.signatures(sets, scheme=sig.AFFINE32))


def test_unknown_scheme_is_one_clear_error():
    with pytest.raises(ValueError, match="unknown signature scheme"):
        sig.signatures([fp.shingles(TEXT)], scheme="sha1")


@pytest.mark.parametrize("scheme", sig.SCHEMES)
def test_batched_signatures_equal_one_at_a_time(scheme):
    rng = np.random.default_rng(7)
    sets = [
        np.unique(rng.integers(0, 2**32, size=n, dtype=np.uint32)) for n in (0, 1, 5, 800, 3000, 64)
    ]
    batched = sig.signatures(sets, chunk=4, scheme=scheme)
    for i, shingle_set in enumerate(sets):
        assert np.array_equal(batched[i], sig.signatures([shingle_set], scheme=scheme)[0])


def test_serialised_signature_round_trip():
    lean = sig.minhash(fp.shingles(TEXT))
    blob = sig.minhash_to_bytes(lean)
    assert sig.minhash_from_bytes(blob).jaccard(lean) == 1.0
    assert np.array_equal(sig.hashvalues_from_bytes(blob), lean.hashvalues)
    shingle_set = fp.shingles(TEXT)
    assert np.array_equal(fp.shingles_from_bytes(fp.shingles_to_bytes(shingle_set)), shingle_set)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), min_size=sig.NUM_PERM, max_size=sig.NUM_PERM))
def test_signature_bytes_are_datasketchs_serialisation(values):
    row = np.array(values, dtype=np.uint32)
    blob = sig.signature_to_bytes(row)
    assert blob == sig.minhash_to_bytes(sig.lean_minhash(row))
    assert np.array_equal(sig.hashvalues_from_bytes(blob), row)


def test_exact_jaccard_and_containment():
    a = np.array([1, 2, 3, 4], dtype=np.uint32)
    b = np.array([3, 4, 5, 6, 7, 8, 9, 10], dtype=np.uint32)
    assert fp.jaccard(a, b) == 2 / 10
    assert fp.containment(a, b) == 0.5
    assert fp.containment(b, a) == 0.25
    assert fp.jaccard(a, a) == 1.0
    assert fp.containment(np.empty(0, dtype=np.uint32), a) == 0.0


@pytest.mark.parametrize("scheme", sig.SCHEMES)
def test_minhash_estimate_tracks_exact_jaccard(scheme):
    rng = np.random.default_rng(3)
    base = rng.integers(0, 2**32, size=2000, dtype=np.uint32)
    a = np.unique(base)
    b = np.unique(np.concatenate([base[:1500], rng.integers(0, 2**32, size=500, dtype=np.uint32)]))
    estimate = sig.minhash(a, scheme).jaccard(sig.minhash(b, scheme))
    assert abs(estimate - fp.jaccard(a, b)) < 0.12


BATCH_TEXTS = [
    "",
    "one",
    "two words",
    "a b c d",
    "   ",
    "!!! ... ---",
    TEXT,
    TEXT.upper() + " " + TEXT,
    "“Ünïcödé” quotes — and dashes … €5 ﬁne ＦＵＬＬ width",
    "北京市政府今天宣布将在明年关闭旧图书馆并建设新的文化中心以满足居民需求",
    "x" * 40 + " supercalifragilisticexpialidocious words of sixteen+ bytes antidisestablishment",
    "tab\tseparated\nlines\r\nand_underscores and-dashes",
]


@pytest.mark.parametrize("scheme", sig.SCHEMES)
def test_batched_sketch_equals_per_document_path(scheme):
    texts = BATCH_TEXTS * 3 + [TEXT + f" variant {i}" for i in range(70)]
    reference = [fp.shingles(t) for t in texts]
    for batch in (1, 5, 64):
        sets, sigs = fp.sketch_many(texts, batch=batch, scheme=scheme)
        assert all(np.array_equal(a, b) for a, b in zip(reference, sets, strict=True))
        assert np.array_equal(sigs, sig.signatures(reference, scheme=scheme))
        spaced = [t for t in texts if t.isascii()]
        spaced_sigs = fp.sketch_many(spaced, batch=batch, scheme=scheme)[1]
        assert np.array_equal(spaced_sigs, sig.signatures(fp.shingles_many(spaced), scheme=scheme))
    assert all(
        np.array_equal(a, b) for a, b in zip(reference, fp.shingles_many(texts), strict=True)
    )
    assert all(
        np.array_equal(fp.shingles(t, 3), s)
        for t, s in zip(texts, fp.sketch_many(texts, k=3)[0], strict=True)
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=40), max_size=30))
def test_vectorised_xxh32_equals_xxhash(spans):
    import xxhash

    buf = np.frombuffer(b"".join(spans), dtype=np.uint8)
    lengths = np.array([len(s) for s in spans], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    got = fp.xxh32_spans(buf, starts, lengths)
    assert got.tolist() == [xxhash.xxh32_intdigest(s) for s in spans]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(max_codepoint=0x3100), max_size=80), max_size=6))
def test_batched_shingles_equal_single_on_any_text(texts):
    batched = fp.shingles_many(texts)
    assert all(np.array_equal(fp.shingles(t), s) for t, s in zip(texts, batched, strict=True))
