"""/static/<file>: the vendored htmx and the stylesheet; cached for good (URLs carry a hash)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.web.access import PageNotFound
from services.web.context import Ctx

# No session or CSRF here: the files are the same for everyone, and only read.
router = APIRouter(include_in_schema=False)


@router.get("/static/{name}")
async def static(ctx: Ctx, name: str) -> Response:
    asset = ctx.assets.files.get(name)
    if asset is None:
        raise PageNotFound
    return Response(
        asset.body,
        media_type=asset.media_type,
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "ETag": f'"{asset.version}"',
        },
    )
