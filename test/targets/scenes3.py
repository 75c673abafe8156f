# -*- coding: utf-8 -*-
# Python-3-only scenes for scenes.py: non-ASCII function names (2-, 3- and
# 4-byte UTF-8 characters, none changed by NFKC) and an async function awaiting another.
import asyncio


def start(rest, note_native):
    note_native()
    return données_über(rest)


def données_über(rest):
    return 函数(rest)


def 函数(rest):
    return 𐐀𐐁(rest)


def 𐐀𐐁(rest):
    return rest()


def start_async(rest, note_native):
    note_native()
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(outer(rest))
    finally:
        loop.close()


async def outer(rest):
    return await inner(rest)


async def inner(rest):
    return rest()
