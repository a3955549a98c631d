"""A ctypes binding of libespeak-ng (shipped with its data by ``espeakng-loader``).

espeak-ng keeps global state, so one synthesis runs at a time per process (a lock guards
it); synthesis of a sentence takes a few milliseconds, and the callback can abort it.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from functools import lru_cache

import espeakng_loader

AUDIO_OUTPUT_SYNCHRONOUS = 2
ESPEAK_CHARS_UTF8 = 1
ESPEAK_RATE = 1
ESPEAK_VOLUME = 2
ESPEAK_PITCH = 3
POS_CHARACTER = 1
EE_OK = 0

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class EspeakError(RuntimeError):
    pass


class _Engine:
    def __init__(self) -> None:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.POINTER(ctypes.c_uint),
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        self._lib = lib
        self.lock = threading.Lock()
        data = espeakng_loader.get_data_path().encode()
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if rate <= 0:
            raise EspeakError(f"espeak-ng failed to initialise (data at {data.decode()})")
        self.sample_rate = rate
        self._sink: Callable[[bytes], bool] | None = None
        self._callback = _SynthCallback(self._on_audio)  # kept alive: C holds the pointer
        lib.espeak_SetSynthCallback(self._callback)

    def _on_audio(self, wav: ctypes._Pointer[ctypes.c_short], numsamples: int, _events: int) -> int:
        sink = self._sink
        if sink is None:
            return 1
        if numsamples > 0 and wav:
            data = ctypes.string_at(wav, numsamples * 2)
            if not sink(data):
                return 1  # abort the synthesis
        return 0

    def synthesize(
        self,
        text: str,
        sink: Callable[[bytes], bool],
        *,
        voice: str = "en-us",
        rate_wpm: int = 175,
        pitch: int = 50,
    ) -> None:
        """Synthesize ``text``; ``sink`` receives 16-bit mono PCM and returns False to abort."""
        encoded = text.encode("utf-8") + b"\0"
        with self.lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != EE_OK:
                raise EspeakError(f"espeak-ng has no voice named {voice!r}")
            self._lib.espeak_SetParameter(ESPEAK_RATE, rate_wpm, 0)
            self._lib.espeak_SetParameter(ESPEAK_PITCH, pitch, 0)
            self._sink = sink
            try:
                buf = ctypes.create_string_buffer(encoded)
                err = self._lib.espeak_Synth(
                    buf, len(encoded), 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8, None, None
                )
                if err != EE_OK:
                    raise EspeakError(f"espeak_Synth failed with code {err}")
                self._lib.espeak_Synchronize()
            finally:
                self._sink = None


@lru_cache(maxsize=1)
def engine() -> _Engine:
    """The process-wide espeak-ng engine (initialised on first use, ~50 ms)."""
    return _Engine()


def synthesize_pcm(text: str, *, voice: str = "en-us", rate_wpm: int = 175) -> tuple[bytes, int]:
    """All the PCM of ``text`` at once: (16-bit mono little-endian samples, sample rate)."""
    chunks: list[bytes] = []

    def sink(data: bytes) -> bool:
        chunks.append(data)
        return True

    eng = engine()
    eng.synthesize(text, sink, voice=voice, rate_wpm=rate_wpm)
    return b"".join(chunks), eng.sample_rate
