"""The zoo of the next rebuild (#30, #31, #32), trained ahead of it on the machine of record.

The stored outputs of the series come from two machines' models, and a new recipe set was measured to sample far
better (the measurements: `tools/next_zoo.md`). So the next rebuild changes recipes as well as the machine. This file holds
the change, `changes()` over chapter 12's `RECIPES`, so that the next zoo can train over several sessions while the
package and its chapters stay as they are, consistent with their stored outputs. When every chapter is re-executed on
this zoo (`make chapters`), these recipes move into chapter 12 and this file goes.

    python tools/next_zoo.py --dry-run        # the plan: what is missing, and its expected minutes
    python tools/next_zoo.py --jobs 2         # train what is missing, pinned, one run per core

It trains into the zoo cache (`MINIVAR_CACHE`); a recipe whose name the package also uses (`multiscale`, say) replaces
that checkpoint there, since its recipe differs.
"""
import argparse, dataclasses, subprocess, sys

K16 = {'num_codes': 16}                 # the raster order's pick: 16 codes (its FID halves); the VAR transformer samples better on 256
PRIOR_EPOCHS = 40                       # the transformers' budget: 40 epochs instead of 20 (FID falls in both orders)
HMAR_UNFROZEN = {'refine_depth': 4, 'refiner': 'hmar', 'refine_attends': 'coarser'}   # #30's refiner, no block frozen

RETIRED = ('multiscale_1to7', 'var_transformer_1to7',                  # chapter 19 compares schedules
           'var_transformer_w64', 'raster_gpt_w64',                      # size: not on the course's path
           'var_transformer_refine', 'var_transformer_scale_loss',       # chapter 16's first refiner and its loss ablation: superseded
           'pyramid_gpt_seed1', 'var_transformer_selfcorrect_10',
           'var_transformer_hmar_long', 'var_transformer_hmar_long_seed1', 'var_transformer_cond_hmar', 'var_transformer_cond_hmar_long',
           'raster_gpt_k16_full')                                        # the raster GPT on 16 codes at full budget is now the zoo's own

def changes(RECIPES, Recipe) -> dict:
    "The recipes that differ from chapter 12's, by name (None: retired)."
    r, out = RECIPES, {n: None for n in RETIRED}
    with_ = lambda n, **kw: dataclasses.replace(r[n], **kw)
    out['vqvae'] = with_('vqvae', config=K16)                           # the single-scale tokenizer: 16 codes
    for n in ('var_transformer', 'raster_gpt', 'var_transformer_cond', 'raster_gpt_cond', 'pyramid_gpt', 'var_transformer_seed1', 'raster_gpt_seed1'):
        out[n] = with_(n, epochs=PRIOR_EPOCHS)
    full = '21 tokenizer sweep: the other codebook at full budget'
    out['vqvae_k256'] = with_('vqvae', chapter=full)                    # 256 codes: the raster GPT beside the VAR transformer's, and the
                                                                        # naive quantizer's control in chapter 04 (dead codes show at 256)
    out['raster_gpt_k256_full'] = with_('raster_gpt', tokenizer='vqvae_k256', epochs=PRIOR_EPOCHS, chapter=full)
    out['multiscale_k16_full'] = with_('multiscale', config=K16, chapter=full)               # 16 codes at the tokenizer's full 40 epochs
    out['var_transformer_k16_full'] = with_('var_transformer', tokenizer='multiscale_k16_full', epochs=PRIOR_EPOCHS, chapter=full)
    hmar = lambda parent, extra={}, seed=0, tokenizer='multiscale', chapter='16 refinement as HMAR trains it: no block frozen, 4x budget': Recipe(
        'gpt', {**extra, **HMAR_UNFROZEN}, tokenizer=tokenizer, epochs=32, lr=2e-3, seed=seed, chapter=chapter, parent=parent)
    out['var_transformer_hmar_unfrozen_long'] = hmar('var_transformer')
    out['var_transformer_hmar_unfrozen_long_seed1'] = hmar('var_transformer_seed1', seed=1)
    out['var_transformer_cond_hmar_unfrozen_long'] = hmar('var_transformer_cond', {'num_classes': 10})
    out['var_transformer_k16_hmar_unfrozen_long'] = hmar('var_transformer_k16_full', tokenizer='multiscale_k16_full', chapter=full)   # both orders on 16 codes
    return out

# Expected minutes, pinned, one thread, on the machine of record (2-core Intel Xeon, AVX-512): measured per epoch there
# (transformer over 70 positions 86 s, over 49 positions 55 s, a tokenizer about 13 s), or the package's figure scaled.
MINUTES = {'var_transformer': 57, 'raster_gpt': 37, 'var_transformer_cond': 57, 'raster_gpt_cond': 37, 'pyramid_gpt': 100,
           'var_transformer_seed1': 57, 'raster_gpt_seed1': 37, 'var_transformer_k16_full': 57, 'raster_gpt_k256_full': 37,
           'vqvae_k256': 20, 'multiscale_k16_full': 27, 'var_transformer_hmar_unfrozen_long': 110,
           'var_transformer_hmar_unfrozen_long_seed1': 110, 'var_transformer_cond_hmar_unfrozen_long': 110, 'var_transformer_k16_hmar_unfrozen_long': 110}

def apply():
    "Change the package's zoo in this process into the next one."
    from minivar import zoo
    unknown = [n for n in RETIRED if n not in zoo.RECIPES]
    if unknown: raise ValueError(f"retired recipes the package does not have: {unknown}; fix RETIRED.")
    for n, r in changes(zoo.RECIPES, zoo.Recipe).items():
        if r is None: zoo.RECIPES.pop(n, None); zoo.CPU_MINUTES.pop(n, None)
        else: zoo.RECIPES[n] = r
    for n in zoo.RECIPES:                                                # the package's figures are for a faster machine
        zoo.CPU_MINUTES[n] = MINUTES.get(n) or 2 * zoo._expected_minutes(n)
    orphans = {n: d for n in zoo.RECIPES for d in zoo.made_from(n) if d not in zoo.RECIPES}
    if orphans: raise ValueError(f"recipes made from retired ones: {orphans}")
    order = []                                                          # training order: what a recipe is made from first
    def visit(n):
        if n in order: return
        for d in zoo.made_from(n): visit(d)
        order.append(n)
    for n in list(zoo.RECIPES): visit(n)
    new = {n: zoo.RECIPES[n] for n in order}; zoo.RECIPES.clear(); zoo.RECIPES.update(new)
    return zoo

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dry-run', action='store_true'); ap.add_argument('--jobs', type=int, default=1); ap.add_argument('--run', type=int, default=1)
    ap.add_argument('--only', nargs='*')
    a = ap.parse_args()
    if not a.dry_run:
        from minivar.zoo import pin_kernels; pin_kernels(1)               # before any kernel
    zoo = apply()
    if a.dry_run:
        st = zoo.zoo_status(a.only)
        todo = [n for n, s in st.items() if s != 'ready']
        print(zoo.zoo_table(a.only))
        print(f'{len(st) - len(todo)} of {len(st)} ready; {sum(map(zoo._expected_minutes, todo)):.0f} min to train, one run at a time')
        return
    others = [subprocess.Popen([sys.executable, __file__, '--run', str(k)] + (['--only', *a.only] if a.only else [])) for k in range(2, a.jobs + 1)]
    try: zoo.build_zoo(a.only, 'cpu', progress=False, log=lambda s: print(f'run {a.run}: {s}', flush=True))
    finally:
        for p in others: p.wait()

if __name__ == '__main__': main()
