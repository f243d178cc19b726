"""Refinement as HMAR trains it, on this machine's zoo (issue 30): the probe (bits per hidden token against the revealed
share, per scale, beside the pyramid GPT's), the rounds table (passes, speed, FID over 3 seeds) and the oracle-prefix
rows. Needs the zoo's multiscale, classifier, var_transformer, var_hmar and pyramid_gpt (var_refine if present).
Run: .venv/bin/python bench/refinement_probe.py [threads]. Prints markdown tables; chapter 16 is to show them."""
import math, time, statistics, sys
from collections import defaultdict
import torch, torch.nn.functional as F
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
from torch.utils.data import TensorDataset
from minivar.core import seed_everything, batch_loader
from minivar.data import get_dls
from minivar.training import evaluate
from minivar.tokens import generate, tokenize_loader, prior_loss
from minivar.metrics import fid, reference_split, throughput
from minivar.diagnosis import oracle_prefix
from minivar.zoo import load_or_train, training_report, zoo_status
dev = torch.device('cpu')
have = zoo_status()
ld = lambda n: load_or_train(n, dev, log=None) if have.get(n) == 'ready' else None
tok, clf = ld('multiscale'), ld('classifier')
models = {k: ld(n) for k, n in (('VAR transformer (trunk)', 'var_transformer'), ('HMAR refiner', 'var_hmar'), ('refiner over features', 'var_refine'), ('pyramid GPT', 'pyramid_gpt'))}
for n in ('var_transformer', 'var_hmar', 'var_refine', 'pyramid_gpt'):
    if have.get(n) == 'ready': print(training_report(n))
valid = get_dls('mnist', bs=500)[1]
real = torch.cat([x for x, _ in valid])
ref, held = reference_split(real, 1000)
print(f"FID floor: {fid(clf, held, ref):.1f}", flush=True)
toks_valid = batch_loader(TensorDataset(*tokenize_loader(tok, valid)), 100, train=False)

@torch.no_grad()
def probe(p, shares=(0.0, 0.25, 0.5, 0.75, 0.9), seed=0):
    "bits per hidden token by scale: the refiner's, with a share of its scale revealed (random, never all); plus the trunk's head"
    g, sides, lvl = seed_everything(seed), p.config.sides, p.level
    tot, cnt = defaultdict(float), defaultdict(int)
    for b in toks_valid:
        toks = list(b[:-1]); tgt = torch.cat([t.flatten(1) for t in toks], 1)
        ce = F.cross_entropy(p.eval()(p.inputs(toks, tok)).transpose(1, 2), tgt, reduction='none')
        for k in range(len(sides)): m = (lvl == k).expand_as(ce); tot['head', k] += ce[m].sum().item(); cnt['head', k] += m.sum().item()
        for sh in shares:
            hidden = torch.cat([torch.rand(len(tgt), s * s, generator=g).argsort(1).argsort(1) >= min(round(sh * s * s), s * s - 1) for s in sides], 1)
            ce = F.cross_entropy(p.refine_logits(toks, tok, hidden).transpose(1, 2), tgt, reduction='none')
            for k in range(len(sides)): m = hidden & (lvl == k); tot[sh, k] += ce[m].sum().item(); cnt[sh, k] += m.sum().item()
    return {key: tot[key] / cnt[key] / math.log(2) for key in tot}

shares = (0.0, 0.25, 0.5, 0.75, 0.9)
pyr = models['pyramid GPT']
pyr_bits = evaluate(pyr, toks_valid, prior_loss(tok), dev) if pyr is not None else {}
print("\n| scale | model | head (none of its scale seen) | " + ' | '.join(f'{s:.0%} revealed' for s in shares) + ' | pyramid GPT |\n' + '|---' * (4 + len(shares)) + '|')
probes = {}
for name in ('HMAR refiner', 'refiner over features'):
    if models[name] is None: continue
    probes[name] = probe(models[name], shares)
for k, s in enumerate(tok.scales):
    if s == 1: continue
    for name, b in probes.items():
        print(f"| {s}×{s} | {name} | {b['head', k]:.3f} | " + ' | '.join(f"{b[sh, k]:.3f}" for sh in shares) + f" | {pyr_bits.get(f'bits_{s}x{s}', float('nan')):.3f} |", flush=True)
p = models['HMAR refiner']
def speed(fn):
    b100, b1 = (throughput(fn, p.head, bs=bs, device=dev) for bs in (100, 1))
    return b100['images_per_s'], 1000 / b1['images_per_s']
def fids(prior, seeds=(0, 1, 2), **kw):
    f = [fid(clf, generate(prior, tok, 1000, seed=s, **kw), ref) for s in seeds]
    return statistics.mean(f), statistics.pstdev(f)
ROUNDS = {'1 (plain VAR)': 1, "HMAR's: 2×2 in 2, 4×4 in 4": (1, 2, 4, 1), '4×4 in 2': (1, 1, 2, 1), '4×4 in 4': (1, 1, 4, 1), '4×4 in 8': (1, 1, 8, 1),
          '2×2 in 2, 4×4 in 8': (1, 2, 8, 1), '7×7 in 4': (1, 1, 1, 4), '2×2 in 2, 4×4 in 4, 7×7 in 4': (1, 2, 4, 4)}
print("\n| HMAR refiner, rounds (1×1, 2×2, 4×4, 7×7) | passes | images/s, batch 100 | ms/image, batch 1 | FID, T 1 (3 seeds) |\n|---|---|---|---|---|")
t0, table = time.perf_counter(), {}
for rn, r in ROUNDS.items():
    b100, ms1 = speed(lambda b: p.sample(b, tok, rounds=r))
    table[rn] = fids(p, rounds=r)
    print(f"| {rn} | {p.sample_passes(r)} | {b100:.0f} | {ms1:.1f} | {table[rn][0]:.1f} ± {table[rn][1]:.1f} |", flush=True)
print(f"({time.perf_counter() - t0:.0f} s)")
best = min((k for k in ROUNDS if p.sample_passes(ROUNDS[k]) <= 24), key=lambda k: table[k][0])
print(f"\nexposure bias (oracle prefixes, FID with the first k scales real, 3 seeds), HMAR refiner at rounds 1 and at {best}:")
for name, kw in (('rounds 1', {}), (best, dict(rounds=ROUNDS[best]))):
    o = oracle_prefix(p, tok, clf, held, ref, seeds=(0, 1, 2), **kw)
    print(f"| {name} | " + ' | '.join(f"k={k}: {v['fid']:.1f} ± {v['sd']:.1f}" for k, v in o.items()) + ' |', flush=True)
