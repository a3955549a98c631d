/** The ways to add a voice model: a provider, the kinds it does, and what its form needs. */
import type { VoiceProvider } from "../api/schema.gen";
import type { VoiceModelKind } from "./api";

export interface ProviderPreset {
  key: string;
  provider: VoiceProvider;
  label: string;
  kinds: VoiceModelKind[];
  needsKey: boolean;
  /** the base URL field is shown (prefilled with this) */
  baseUrl: string | null;
  help: string;
}

export const PROVIDER_PRESETS: ProviderPreset[] = [
  { key: "openai", provider: "openai", label: "OpenAI", kinds: ["llm", "asr", "tts"], needsKey: true, baseUrl: null, help: "An API key from platform.openai.com." },
  { key: "anthropic", provider: "anthropic", label: "Anthropic", kinds: ["llm"], needsKey: true, baseUrl: null, help: "An API key from console.anthropic.com." },
  { key: "deepgram", provider: "deepgram", label: "Deepgram", kinds: ["asr", "tts"], needsKey: true, baseUrl: null, help: "An API key from console.deepgram.com." },
  { key: "elevenlabs", provider: "elevenlabs", label: "ElevenLabs", kinds: ["tts", "asr"], needsKey: true, baseUrl: null, help: "An API key from elevenlabs.io." },
  { key: "private", provider: "openai_compatible", label: "Private model (OpenAI-compatible)", kinds: ["llm", "asr", "tts"], needsKey: true, baseUrl: "https://", help: "Your own endpoint that speaks the OpenAI API, and its key." },
  { key: "local-server", provider: "openai_compatible", label: "Local server (llama.cpp, Ollama, vLLM — no key)", kinds: ["llm"], needsKey: false, baseUrl: "http://127.0.0.1:8080/v1", help: "A server on this machine or network: llama.cpp's llama-server (port 8080), Ollama (http://127.0.0.1:11434/v1) or vLLM (port 8000). No key needed." },
  { key: "local-whisper", provider: "local_whisper", label: "Local Whisper (offline)", kinds: ["asr"], needsKey: false, baseUrl: null, help: "Runs on the worker itself; no key, no network." },
  { key: "local-pocketsphinx", provider: "local_pocketsphinx", label: "Local pocketsphinx (offline)", kinds: ["asr"], needsKey: false, baseUrl: null, help: "Runs on the worker itself; English only." },
  { key: "local-espeak", provider: "local_espeak", label: "Local espeak-ng (offline)", kinds: ["tts"], needsKey: false, baseUrl: null, help: "Runs on the worker itself; robotic but free." },
];

export const KIND_LABELS: Record<VoiceModelKind, string> = { llm: "Language model", asr: "Speech-to-text", tts: "Text-to-speech" };

/** What a configuration's provider is called; an OpenAI-compatible one without a key is a
 * local server. */
export function providerLabel(provider: string, hasKey: boolean): string {
  if (provider === "openai_compatible" && !hasKey) return "Local server (OpenAI-compatible)";
  return PROVIDER_PRESETS.find((p) => p.provider === provider)?.label ?? provider;
}
