/**
 * Node.js flags every program runs with in a pod (the operator and the image set them as
 * `NODE_OPTIONS`). A small young generation keeps RSS near the live set (the proxy stays around
 * 100 MiB under load instead of 130+), and a capped old generation turns a leak into a visible
 * restart instead of a slowly swelling pod. The benchmarks run with the same flags.
 */
export const RUNTIME_NODE_OPTIONS = '--max-old-space-size=96 --max-semi-space-size=2';
