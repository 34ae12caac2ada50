#!/usr/bin/env python3
"""Trains the emergency classifier's learned scorer and writes its weights as C.

The scorer (actors/act_emg_model.c) is a multinomial logistic regression over the
caller's words and word pairs: eleven classes, "none" and the ten categories of
../shared/data/EMERGENCY-POLICY.md. This script is its only source of weights:

    python3 tools/emg-model/train.py            # writes actors/act_emg_model_weights.inc
    python3 tools/emg-model/train.py --check    # exit 1 if the committed files differ

It also writes tests/fixtures/emergency-model-parity.jsonl: texts with the probability of
"none" this script computes from the stored (quantised) weights, which the C scorer must
reproduce (tests/unit/test_act_emg_model.c): the two feature extractions cannot drift apart.

It reads the labelled sets listed in tools/emg-model/sets.txt (JSON Lines, the policy's
record format). Plain Python 3, no packages; deterministic (fixed seed, sorted features),
about ten seconds. The features must be computed exactly as act_emg_model.c computes them:
    - text -> code points; ASCII letters lower-cased, ASCII digits kept, the Latin-1 and
      Latin Extended-A letters in ACCENTS mapped to their base letter, everything else a
      separator;
    - words: the first MAX_WORDS, each cut to MAX_WORD_LEN characters; a word "follows a
      break" when one of BREAK_CHARS stands between it and the word before;
    - negation scope: after a word of NEGATORS, the next NEG_SCOPE words are "negated",
      unless a break or a word of SCOPE_ENDS comes first ("no sale humo" != "sale humo");
    - features: "u <word>" ("n <word>" for a negated word) and "b <word> <next word>",
      each counted once per text, hashed with 32-bit FNV-1a.
"""
import argparse
import json
import math
import os
import random
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CATS = ["none", "gas_leak", "carbon_monoxide", "fire_smoke", "electrical_hazard", "flooding",
        "sewage_backup", "no_heat_danger", "no_cooling_danger", "no_water",
        "water_heater_failure"]
MAX_WORDS = 400
MAX_WORD_LEN = 40
EPOCHS = 30
SEED = 7
L2 = 1e-5
LR0 = 0.3
LR_DECAY = 0.9
MIN_DOCS = 2          # a feature must appear in at least this many training texts
QUANT = 4096.0        # weights are stored as int16 = round(w * QUANT)
BUCKET_BITS = 12      # lookup buckets by the hash's top bits (the table must stay < 65536)

# Keep in sync with latin_base() in actors/act_emg_model.c.
ACCENTS = {}
for base, chars in {"a": "àáâãäåāăą", "c": "çćč", "e": "èéêëēėęě", "i": "ìíîïīį",
                    "n": "ñńň", "o": "òóôõöøō", "u": "ùúûüūůű", "y": "ýÿ", "s": "śšş",
                    "z": "źżž", "l": "ł", "d": "ď", "r": "ř", "t": "ť", "g": "ğ"}.items():
    for ch in chars:
        ACCENTS[ch] = base
        ACCENTS[ch.upper()] = base


# Keep in sync with act_emg_model.c.
BREAK_CHARS = set(".,;:!?")
NEGATORS = {"no", "not", "never", "nothing", "nobody", "none", "nor", "without", "t", "ni",
            "nada", "nunca", "sin", "tampoco", "ningun", "ninguna", "ninguno", "nadie"}
SCOPE_ENDS = {"but", "though", "although", "pero", "aunque", "sino"}
NEG_SCOPE = 3


def words(text):
    """[(word, follows_break)] for the first MAX_WORDS words."""
    out, cur, brk = [], [], False
    for ch in text:
        o = ord(ch)
        if o < 128 and ch.isalnum():
            c = ch.lower()
        elif o >= 128 and ch in ACCENTS:
            c = ACCENTS[ch]
        else:
            c = None
        if c is None:
            if cur:
                out.append(("".join(cur)[:MAX_WORD_LEN], brk))
                cur, brk = [], False
                if len(out) == MAX_WORDS:
                    return out
            if ch in BREAK_CHARS:
                brk = True
        else:
            cur.append(c)
    if cur and len(out) < MAX_WORDS:
        out.append(("".join(cur)[:MAX_WORD_LEN], brk))
    return out


def fnv1a(s):
    h = 2166136261
    for b in s.encode("ascii"):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def features(text):
    ws = words(text)
    f, scope = set(), 0
    for x, brk in ws:
        if brk or x in SCOPE_ENDS:
            scope = 0
        f.add(fnv1a(("n " if scope else "u ") + x))
        if scope:
            scope -= 1
        if x in NEGATORS:
            scope = NEG_SCOPE
    w = [x for x, _ in ws]
    f.update(fnv1a("b " + a + " " + b) for a, b in zip(w, w[1:]))
    return sorted(f)


def load_sets(list_file):
    rows = []
    for line in open(list_file, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        path = line if os.path.isabs(line) else os.path.join(ROOT, line)
        for n, rec in enumerate(open(path, encoding="utf-8"), 1):
            if not rec.strip():
                continue
            r = json.loads(rec)
            if r["category"] not in CATS or (r["category"] == "none") == bool(r["emergency"]):
                sys.exit(f"{path}:{n}: bad label")
            rows.append((r["text"], CATS.index(r["category"])))
    return rows


def train(rows):
    K = len(CATS)
    X = [features(t) for t, _ in rows]
    df = {}
    for f in X:
        for h in f:
            df[h] = df.get(h, 0) + 1
    X = [[h for h in f if df[h] >= MIN_DOCS] for f in X]
    Y = [y for _, y in rows]
    W, B = {}, [0.0] * K
    rng = random.Random(SEED)
    order = list(range(len(X)))
    lr = LR0
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for i in order:
            z = B[:]
            for h in X[i]:
                w = W.get(h)
                if w:
                    for k in range(K):
                        z[k] += w[k]
            m = max(z)
            e = [math.exp(v - m) for v in z]
            s = sum(e)
            g = [v / s for v in e]
            g[Y[i]] -= 1.0
            for h in X[i]:
                w = W.setdefault(h, [0.0] * K)
                for k in range(K):
                    w[k] -= lr * (g[k] + L2 * w[k])
            for k in range(K):
                B[k] -= lr * g[k]
        lr *= LR_DECAY
    return W, B


def render(W, B, nrows, sets_file):
    K = len(CATS)
    q = lambda v: max(-32767, min(32767, int(round(v * QUANT))))
    keep = sorted(h for h, w in W.items() if any(q(v) != 0 for v in w))
    out = ["/* Generated by tools/emg-model/train.py from the sets in "
           f"{os.path.relpath(sets_file, ROOT)} ({nrows} texts). Do not edit: retrain. */",
           f"#define EMG_MODEL_NFEAT {len(keep)}",
           f"#define EMG_MODEL_QUANT {QUANT:.1f}f",
           "static const float emg_model_bias[" + str(K) + "] = {" +
           ", ".join(f"{b:.6f}f" for b in B) + "};",
           "/* Feature hashes, ascending (binary search). */",
           "static const uint32_t emg_model_hash[EMG_MODEL_NFEAT] = {"]
    for i in range(0, len(keep), 8):
        out.append("    " + ", ".join(f"0x{h:08x}u" for h in keep[i:i + 8]) + ",")
    out.append("};")
    # Where each run of hashes with the same top BUCKET_BITS bits starts, so a lookup scans
    # a couple of entries instead of binary-searching the whole table.
    nb = 1 << BUCKET_BITS
    starts, j = [], 0
    for b in range(nb + 1):
        while j < len(keep) and (keep[j] >> (32 - BUCKET_BITS)) < b:
            j += 1
        starts.append(j)
    out.append(f"#define EMG_MODEL_BUCKET_BITS {BUCKET_BITS}")
    out.append("/* emg_model_hash index of the first hash whose top bits are >= the bucket. */")
    out.append(f"static const uint16_t emg_model_bucket[{nb + 1}] = {{")
    for i in range(0, nb + 1, 12):
        out.append("    " + ", ".join(str(x) for x in starts[i:i + 12]) + ",")
    out.append("};")
    out.append(f"/* Weights per feature and class ({', '.join(CATS)}), times QUANT. */")
    out.append(f"static const int16_t emg_model_w[EMG_MODEL_NFEAT][{K}] = {{")
    for h in keep:
        out.append("    {" + ", ".join(str(q(v)) for v in W[h]) + "},")
    out.append("};")
    return "\n".join(out) + "\n"


def parity(W, rows):
    """Every 50th training text with p(none) from the quantised weights, as JSON Lines."""
    K = len(CATS)
    q = lambda v: max(-32767, min(32767, int(round(v * QUANT))))
    out = []
    for text, _ in rows[::50]:
        z = [0.0] * K
        for h in features(text):
            w = W[0].get(h)
            if w and any(q(v) for v in w):
                for k in range(K):
                    z[k] += q(w[k]) / QUANT
        z = [a + b for a, b in zip(z, W[1])]
        m = max(z)
        e = [math.exp(v - m) for v in z]
        out.append(json.dumps({"text": text, "p_none": round(e[0] / sum(e), 6)},
                              ensure_ascii=False))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default=os.path.join(ROOT, "tools/emg-model/sets.txt"))
    ap.add_argument("--out", default=os.path.join(ROOT, "actors/act_emg_model_weights.inc"))
    ap.add_argument("--parity", default=os.path.join(ROOT, "tests/fixtures/emergency-model-parity.jsonl"))
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if --out or --parity differ from what training gives")
    a = ap.parse_args()
    rows = load_sets(a.sets)
    W, B = train(rows)
    text = render(W, B, len(rows), a.sets)
    par = parity((W, B), rows)
    if a.check:
        for path, want in ((a.out, text), (a.parity, par)):
            old = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
            if old != want:
                sys.exit(f"{path} is not what {a.sets} trains: run tools/emg-model/train.py")
        print(f"{a.out}: up to date ({len(rows)} texts)")
        return
    for path, content in ((a.out, text), (a.parity, par)):
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)
    print(f"{a.out}: {len(rows)} texts, {text.count(chr(10))} lines; {a.parity}")


if __name__ == "__main__":
    main()
