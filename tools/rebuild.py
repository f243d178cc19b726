"""Re-create every stored output on one zoo (`make chapters`; `make zoo` first trains what the cache lacks).

Executes the notebooks of `nbs/` in place, each in a fresh Jupyter kernel, on the models of the zoo cache: the chapters by
number, except that one reading another chapter's results file runs after it, and the home page last. Cells flagged
`#| eval: false` (Colab set-up) are not run and keep their stored output. It records in the cache which zoo, which source
and which outputs each notebook was executed with, so a second run resumes: a notebook already executed on these weights
with this source, and still showing what that run stored, is skipped. Then the home page's and README's tables are rendered from the results files, the manifest is written and the
notebooks are cleaned; commit them with the results files.

    python tools/rebuild.py [--only 13_benchmark 16_refinement] [--dry-run]

`--only` re-executes some notebooks on the zoo of the manifest, and refuses where this cache holds other weights.
"""
import argparse, hashlib, json, os, re, subprocess, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

NBS = Path(__file__).resolve().parent.parent/'nbs'
READS = re.compile(r"(?:load_results|committed)\(\s*'(\d\d_\w+)'")        # a cell reading a chapter's results file

def course_order(paths) -> list:
    "The notebooks by name, each after the chapters whose results files it reads, the home page last."
    stems = {p.stem: p for p in paths}
    reads = {s: {r for r in READS.findall(p.read_text()) if r in stems and r != s} for s, p in stems.items()}
    done, order = set(), []
    def visit(s):
        if s in done: return
        done.add(s)
        for r in sorted(reads[s]): visit(r)
        order.append(stems[s])
    for s in sorted(stems, key=lambda s: (s == 'index', s)): visit(s)
    return order

def models_behind(path:Path) -> list:
    "The zoo models a notebook loads: the recipes it names or declares as its chapter's, and what they are made from."
    from minivar.zoo import RECIPES, zoo_plan
    text, number = path.read_text(), path.stem.split('_')[0]
    names = [n for n, r in RECIPES.items() if f"'{n}'" in text or f'\\"{n}\\"' in text or r.chapter.split(' ')[0] == number]
    return zoo_plan(names) if names else []

def source_hash(nb) -> str:
    "What decides a notebook's outputs besides the zoo: its code cells."
    return hashlib.sha256('\n\0'.join(c.source for c in nb.cells if c.cell_type == 'code').encode()).hexdigest()[:16]

def outputs_hash(nb) -> str:
    "What its cells show (text and pictures), so that outputs stored since (another machine's, say) are not taken for this run's."
    shown = [[o.get('text') or o.get('data') for o in c.outputs] for c in nb.cells if c.cell_type == 'code']
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:16]

def execute(path:Path):
    "Run a notebook in a fresh kernel in its folder and store its outputs, the `eval: false` cells left as they were; returns it."
    nb = nbformat.read(path, as_version=4)
    skip = [c for c in nb.cells if c.cell_type == 'code' and re.search(r'^#\|\s*eval:\s*false', c.source, re.M)]
    for c in skip: c.metadata.setdefault('tags', []).append('skip-execution')
    NotebookClient(nb, timeout=None, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    for c in skip:
        c.metadata.tags.remove('skip-execution')
        if not c.metadata.tags: del c.metadata['tags']
    tmp = path.with_suffix('.ipynb.tmp'); nbformat.write(nb, tmp); tmp.replace(path)        # never a half-written notebook
    return nb

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', nargs='*', help='notebook names (without .ipynb) to execute; default: all')
    ap.add_argument('--dry-run', action='store_true', help='print what would run, and why, and stop')
    a = ap.parse_args()
    os.environ.pop('IN_TEST', None)                                    # full runs: the stored outputs are the real models'
    from minivar.core import cache_dir
    from minivar.zoo import zoo_status, zoo_fingerprints, machine, verify_zoo, _expected_minutes
    status, manifest = zoo_status(), verify_zoo()
    state_path = Path(cache_dir())/'rebuild.json'
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    paths = course_order(sorted(NBS.glob('*.ipynb')))
    unknown = set(a.only or ()) - {p.stem for p in paths}
    if unknown: sys.exit(f"No notebook named {', '.join(sorted(unknown))} in {NBS}: give names such as 13_benchmark.")
    for p in paths:
        if a.only and p.stem not in a.only: continue
        nb = nbformat.read(p, as_version=4)
        src, shown, needs = source_hash(nb), outputs_hash(nb), models_behind(p)
        if lacking := [n for n in needs if status[n] != 'ready']:
            if a.dry_run:
                print(f"{p.stem}: waits for {len(lacking)} of its {len(needs)} zoo models (about {sum(map(_expected_minutes, lacking)):.0f} CPU minutes)", flush=True); continue
            sys.exit(f"{p.stem} loads {len(lacking)} models the zoo lacks ({', '.join(lacking[:5])}{', ...' if len(lacking) > 5 else ''}): "
                     "run `make zoo` first, so that every stored output comes from one pinned zoo.")
        if a.only and (other := [n for n in needs if manifest.get(n) == 'other weights']):
            sys.exit(f"{p.stem} loads {', '.join(other)} with weights other than the manifest's: executing it alone would mix two zoos in "
                     "the series. Run every notebook (no --only) to rebuild the whole series on this zoo.")
        zoo = hashlib.sha256(json.dumps(zoo_fingerprints(needs), sort_keys=True).encode()).hexdigest()[:16] if needs else 'none'
        done = state.get(p.stem, {})
        if (done.get('zoo'), done.get('source'), done.get('outputs')) == (zoo, src, shown):
            print(f"{p.stem}: executed on this zoo with this source ({state[p.stem]['minutes']} min): skipped", flush=True); continue
        if a.dry_run: print(f"{p.stem}: would execute, on {len(needs)} zoo models", flush=True); continue
        print(f"{p.stem}: executing ...", flush=True); t = time.time()
        state[p.stem] = dict(zoo=zoo, source=src, outputs=outputs_hash(execute(p)), minutes=round((time.time() - t) / 60, 1), machine=machine())
        tmp = state_path.with_suffix('.tmp'); tmp.write_text(json.dumps(state, indent=1)); tmp.replace(state_path)
        print(f"{p.stem}: done in {state[p.stem]['minutes']} min", flush=True)
    if a.dry_run: return
    subprocess.run([sys.executable, '-c', 'from minivar.zoo import render_pages, write_manifest; render_pages(); write_manifest()'], cwd=NBS, check=True)
    for cmd in ('nbdev_export', 'nbdev_clean'): subprocess.run([str(Path(sys.executable).parent/cmd)], cwd=NBS.parent, check=True)
    print("Done: commit nbs/, the results files, README.md and minivar/ together.")

if __name__ == '__main__': main()
