"""Super-resolution figures on the held-out test photographs (scikit-image's), and ESRGAN's network interpolation.

- ``sr-evaluate FOLDER``: each test photo is downscaled 4x (PIL bicubic, antialiased: the training pairs' own
  degradation) and upscaled back by the model (its tiled ``upscale``, as users get it) and by bicubic. Figures:
  PSNR on the luma channel Y (ITU-R BT.601, as the SR literature reports it; ``scale`` px shaved off each border),
  and sharpness: the mean Laplacian magnitude of Y as a ratio to the true photo's (1: as sharp as the truth; below:
  blurrier; far above: artefacts); and consistency: PSNR between the output downscaled the same way and the input
  (a faithful model's output shrinks back to what it was given; invented detail that changes the picture does not).
  Written into the folder's config.json ("metrics") and its card.
- ``sr-interpolate --psnr A --gan B --alpha a --out C``: theta = (1 - a) theta_A + a theta_B (Wang et al. 2018):
  a = 0 is the PSNR model, 1 the GAN model, between them a chosen balance of fidelity and sharpness. Several
  ``--alpha`` values print the figures of each; with ``--out`` the most GAN-like blend that gives up at most
  ``--max-psnr-drop`` dB is written.

Run as ``python -m train sr-evaluate ...`` / ``python -m train sr-interpolate ...``.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

import gan_demo
from gan_demo import atomic
from gan_demo.checkpoints import load_generator, read_config, save_checkpoint, update_section, weights_digest
from gan_demo.images import tensor_grid
from gan_demo.kinds.srgan import SPEC as SRGAN
from gan_demo.superres import SuperResolver, blended_weights

from ..data.photos import held_out_photos
from ..errors import UsageError, is_user_error
from ..model_card import write_model_card
from ..run_files import distinct_stages, lineage

LAPLACIAN = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)
GRID_CROP = 128  # side of the high-resolution crops in an interpolated folder's sample grid


def luma(image: np.ndarray) -> torch.Tensor:
    """uint8 (H, W, 3) RGB -> BT.601 luma Y in [16, 235] as float64 (H, W)."""
    rgb = torch.from_numpy(np.array(image, dtype=np.float64)) / 255
    return 16 + rgb @ torch.tensor([65.481, 128.553, 24.966], dtype=torch.float64)


def psnr_y(output: np.ndarray, truth: np.ndarray, shave: int) -> float:
    """PSNR (dB, peak 255) between the luma of two uint8 RGB images, ``shave`` px of border left out."""
    a, b = luma(output), luma(truth)
    if shave:
        a, b = a[shave:-shave, shave:-shave], b[shave:-shave, shave:-shave]
    mse = (a - b).square().mean().clamp(min=1e-10)
    return float(10 * torch.log10(255 ** 2 / mse))


def sharpness(image: np.ndarray, shave: int) -> float:
    """Mean |Laplacian| of the luma (a 4-neighbour kernel), ``shave`` px of border left out."""
    y = luma(image).float()[None, None]
    response = torch.nn.functional.conv2d(y, LAPLACIAN)[0, 0]
    if shave:
        response = response[shave:-shave, shave:-shave]
    return float(response.abs().mean())


def downscale(photo: np.ndarray, scale: int) -> Image.Image:
    image = Image.fromarray(photo)
    return image.resize((image.width // scale, image.height // scale), Image.Resampling.BICUBIC)


def superres_metrics(model, photos: dict[str, np.ndarray] | None = None) -> dict:
    """The card's figures for a loaded super-resolution model: mean PSNR (Y) and sharpness ratio on the test
    photographs beside bicubic's, and per photo."""
    photos = held_out_photos() if photos is None else photos
    scale, rows = model.scale, {}
    for name, truth in photos.items():
        small = downscale(truth, scale)
        outputs = {"model": np.asarray(model.upscale(small)),
                   "bicubic": np.asarray(small.resize((truth.shape[1], truth.shape[0]), Image.Resampling.BICUBIC))}
        reference = sharpness(truth, scale)
        rows[name] = {method: {"psnr": round(psnr_y(out, truth, scale), 2),
                               "sharpness": round(sharpness(out, scale) / reference, 3),
                               "consistency": round(psnr_y(np.asarray(downscale(out, scale)), np.asarray(small), 1), 2)}
                      for method, out in outputs.items()}

    def mean(method: str, figure: str) -> float:
        return round(sum(row[method][figure] for row in rows.values()) / len(rows), 3)
    names = ", ".join(photos)
    return {
        "PSNR (Y, dB)": {
            "value": mean("model", "psnr"), "per_photo": {n: r["model"]["psnr"] for n, r in rows.items()},
            "note": f"mean over scikit-image's test photographs ({names}), each downscaled {scale}x by PIL bicubic "
                    f"and upscaled back; luma (BT.601), {scale} px border shaved; bicubic upscaling: "
                    f"{mean('bicubic', 'psnr')} dB"},
        "sharpness (ratio to the truth)": {
            "value": mean("model", "sharpness"),
            "per_photo": {n: r["model"]["sharpness"] for n, r in rows.items()},
            "note": f"mean |Laplacian| of the luma as a ratio to the true photo's (1 = as sharp as the truth); "
                    f"bicubic upscaling: {mean('bicubic', 'sharpness')}"},
        "consistency with the input (Y, dB)": {
            "value": mean("model", "consistency"),
            "per_photo": {n: r["model"]["consistency"] for n, r in rows.items()},
            "note": f"PSNR between the output downscaled {scale}x the same way and the input it was given (luma, "
                    f"1 px border shaved; higher: the output keeps the input's content); bicubic upscaling: "
                    f"{mean('bicubic', 'consistency')} dB"},
    }


def interpolate(psnr_folder, gan_folder, alpha: float) -> tuple[dict, torch.nn.Module]:
    """(the GAN folder's config.json payload, a generator with weights (1 - alpha) psnr + alpha gan)."""
    psnr_payload, psnr = load_generator(psnr_folder)
    gan_payload, gan = load_generator(gan_folder)
    for payload, folder in ((psnr_payload, psnr_folder), (gan_payload, gan_folder)):
        if payload["kind"] != SRGAN.name:
            raise UsageError(f"{folder}: a {payload['kind']} checkpoint, not an srgan one")
    try:
        gan.load_state_dict(blended_weights(psnr.state_dict(), gan.state_dict(), alpha))
    except ValueError as error:
        raise UsageError(f"{psnr_folder} and {gan_folder} cannot be interpolated: {error}") from None
    return gan_payload, gan.eval()


def write_interpolated(psnr_folder: Path, gan_folder: Path, alpha: float, out: Path, command: str) -> dict:
    """The blend as a checkpoint folder (its card names both parents), evaluated; returns the metrics."""
    payload, generator = interpolate(psnr_folder, gan_folder, alpha)
    training = dict(payload.get("training", {}))
    training["earlier_stages"] = distinct_stages(lineage(read_config(psnr_folder), "PSNR model")
                                                 + lineage(payload, "GAN model"))
    training["options"] = {**training.get("options", {}),
                           "interpolation": {"alpha": alpha, "psnr": str(psnr_folder), "gan": str(gan_folder)}}
    training["command"] = f"{command} --out {out}"
    save_checkpoint(out, SRGAN.name, generator.config, generator, None,
                    {"class_names": [], "normalization": payload.get("normalization", "tanh [-1, 1]"),
                     "training": training})
    model = gan_demo.load(str(out))
    atomic.write_png(out / "sample_grid.png", comparison_grid(model))
    return evaluate_into(out, model)


def comparison_grid(model) -> Image.Image:
    """bicubic | model | truth, for a centre crop of each test photo."""
    tiles = []
    for truth in held_out_photos().values():
        top, left = (truth.shape[0] - GRID_CROP) // 2, (truth.shape[1] - GRID_CROP) // 2
        crop = np.ascontiguousarray(truth[top:top + GRID_CROP, left:left + GRID_CROP])
        small = downscale(crop, model.scale)
        for image in (small.resize((GRID_CROP, GRID_CROP), Image.Resampling.BICUBIC), model.upscale(small),
                      Image.fromarray(crop)):
            tiles.append(torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1).float() / 127.5 - 1)
    return tensor_grid(torch.stack(tiles), columns=3)


def evaluate_into(folder: Path, model=None) -> dict:
    """Compute the figures, merge them into config.json (stamped with the weights' digest), re-render the card."""
    model = model or gan_demo.load(str(folder))
    metrics = superres_metrics(model)
    update_section(folder, "metrics", {**metrics, "weights": weights_digest(folder)})
    write_model_card(folder)
    return metrics


# ---- the command line ------------------------------------------------------------------------------------------
def add_srgan_parsers(commands) -> None:
    sub = commands.add_parser("sr-evaluate", help="PSNR and sharpness of a super-resolution model, into its card")
    sub.add_argument("name", type=Path, help="srgan checkpoint folder")
    sub.set_defaults(run_tool=run_evaluate)
    sub = commands.add_parser("sr-interpolate", help="blend a PSNR and a GAN super-resolution model (ESRGAN)")
    sub.add_argument("--psnr", type=Path, required=True, help="the PSNR-trained folder (--adversarial-weight 0)")
    sub.add_argument("--gan", type=Path, required=True, help="the GAN folder trained from it (--init-from)")
    sub.add_argument("--alpha", required=True,
                     help="the GAN model's share, 0..1; several (comma-separated): print each one's figures and, "
                          "with --out, write the largest within --max-psnr-drop of the smallest alpha's PSNR")
    sub.add_argument("--max-psnr-drop", type=float, default=0.3, help="dB of PSNR to give up for sharpness")
    sub.add_argument("--out", type=Path, help="folder to write")
    sub.set_defaults(run_tool=run_interpolate)


def run_evaluate(args: argparse.Namespace) -> int:
    if read_config(args.name)["kind"] != SRGAN.name:
        raise UsageError(f"{args.name}: not an srgan checkpoint")
    print_metrics(str(args.name), evaluate_into(args.name))
    return 0


def run_interpolate(args: argparse.Namespace) -> int:
    try:
        alphas = sorted(float(a) for a in args.alpha.split(","))
    except ValueError:
        raise UsageError(f"--alpha {args.alpha}: expected numbers between 0 and 1, comma-separated") from None
    if any(not 0 <= a <= 1 for a in alphas):
        raise UsageError(f"--alpha {args.alpha}: each value must be between 0 and 1")
    command = (f"python -m train sr-interpolate --psnr {args.psnr} --gan {args.gan} "
               f"--alpha {args.alpha}" + (f" --max-psnr-drop {args.max_psnr_drop:g}" if len(alphas) > 1 else ""))
    if len(alphas) == 1:
        if args.out is None:
            raise UsageError("one --alpha writes a folder: name it with --out (several values print a table)")
        print_metrics(str(args.out), write_interpolated(args.psnr, args.gan, alphas[0], args.out, command))
        return 0
    figures = {}
    for alpha in alphas:
        payload, generator = interpolate(args.psnr, args.gan, alpha)
        figures[alpha] = superres_metrics(SuperResolver(f"alpha {alpha:g}", payload, generator, None))
        print_metrics(f"alpha {alpha:g}", figures[alpha])
    if args.out is not None:
        alpha = choose_alpha(figures, args.max_psnr_drop)
        print(f"chosen: alpha {alpha:g} (the largest within {args.max_psnr_drop:g} dB of alpha {alphas[0]:g}'s PSNR "
              "and no sharper than the truth)")
        print_metrics(str(args.out), write_interpolated(args.psnr, args.gan, alpha, args.out, command))
    return 0


def choose_alpha(figures: dict[float, dict], max_psnr_drop: float) -> float:
    """The largest alpha whose PSNR is within ``max_psnr_drop`` dB of the smallest alpha's and whose sharpness
    ratio stays at most 1 (sharper than the truth is made-up detail); the smallest alpha when none qualifies."""
    def value(alpha: float, figure: str) -> float:
        return next(v["value"] for k, v in figures[alpha].items() if k.startswith(figure))
    floor = value(min(figures), "PSNR") - max_psnr_drop
    fitting = [a for a in figures if value(a, "PSNR") >= floor and value(a, "sharpness") <= 1]
    return max(fitting, default=min(figures))


def print_metrics(name: str, metrics: dict) -> None:
    print(f"{name}: " + "; ".join(f"{key} {value['value']} ({value['note'].rsplit('; ', 1)[-1]})"
                                  for key, value in metrics.items()))


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(prog="python -m train.tools.srgan_metrics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_srgan_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.run_tool(args)
    except Exception as error:  # one clear line for what the user can fix; a traceback for a bug
        if not is_user_error(error):
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
