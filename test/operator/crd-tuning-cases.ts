import type { PodTuning } from '../../contract/index.js';
import { literally, valid } from './crd-validation-cases.js';
/** Specs for the CRD validation suite's `spec.pod` and `spec.ingress.annotations` cases. */
/** A spec whose `spec.pod` is `pod`. */
export const tuned = (pod: object) => ({ ...valid, pod });
const resources = (proxy: object) => tuned({ resources: { proxy } });
export const OWN_LABELS =
  "labels app.kubernetes.io/name, instance, managed-by, part-of and those under nextcloud-mcp.io/ are the operator's own (they select the pods)";
export const OWN_ANNOTATIONS =
  "annotations under nextcloud-mcp.io/ are the operator's own (its config-hash and applied-hash)";
const QUALIFIED =
  'keys must be qualified names: an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" or "."';
const PROXY = 'spec.pod.resources.proxy';

/** `spec.pod` and `spec.ingress.annotations` specs the API server must refuse, as `INVALID`'s. */
export const TUNING_INVALID: [string, object, string, string, RegExp][] = [
  [
    'a cpu request above its limit',
    resources({ requests: { cpu: '2' }, limits: { cpu: '500m' } }),
    PROXY,
    'FieldValueInvalid',
    /^Invalid value: requests\.cpu must not exceed limits\.cpu$/,
  ],
  [
    'a memory request above its limit',
    resources({ requests: { memory: '1Gi' }, limits: { memory: '512Mi' } }),
    PROXY,
    'FieldValueInvalid',
    /requests\.memory must not exceed limits\.memory \(192Mi unless set\)$/,
  ],
  [
    'a memory request above the default limit',
    resources({ requests: { memory: '256Mi' } }),
    PROXY,
    'FieldValueInvalid',
    /requests\.memory must not exceed limits\.memory \(192Mi unless set\)$/,
  ],
  [
    'a cpu quantity that is no quantity',
    resources({ requests: { cpu: 'lots' } }),
    `${PROXY}.requests.cpu`,
    'FieldValueInvalid',
    /^Invalid value: "lots": spec\.pod\.resources\.proxy\.requests\.cpu in body should match/,
  ],
  [
    'a memory quantity in an unknown unit',
    tuned({ resources: { server: { limits: { memory: '1GB' } } } }),
    'spec.pod.resources.server.limits.memory',
    'FieldValueInvalid',
    /in body should match/,
  ],
  [
    'an unquoted decimal cpu (a quantity is a whole number or a string)',
    resources({ requests: { cpu: 0.5 } }),
    `${PROXY}.requests.cpu`,
    'FieldValueTypeInvalid',
    /must be of type integer,string: "number"$/,
  ],
  [
    'more than 8 cpus',
    resources({ limits: { cpu: 9 } }),
    `${PROXY}.limits.cpu`,
    'FieldValueInvalid',
    /^Invalid value: 9: cpu must be at most 8$/,
  ],
  [
    'more than 16Gi of memory',
    resources({ limits: { memory: '17Gi' } }),
    `${PROXY}.limits.memory`,
    'FieldValueInvalid',
    /memory must be at most 16Gi$/,
  ],
  [
    'a pod label the operator selects by',
    tuned({ labels: { team: 'a', 'app.kubernetes.io/instance': 'other' } }),
    'spec.pod.labels',
    'FieldValueInvalid',
    new RegExp(`^Invalid value: ${literally(OWN_LABELS)}$`),
  ],
  [
    "a pod label under the operator's prefix",
    tuned({ labels: { 'nextcloud-mcp.io/tenant': 'x' } }),
    'spec.pod.labels',
    'FieldValueInvalid',
    new RegExp(literally(OWN_LABELS)),
  ],
  [
    'a pod label value that no label can carry',
    tuned({ labels: { team: 'a b' } }),
    'spec.pod.labels.team',
    'FieldValueInvalid',
    /in body should match/,
  ],
  [
    "the operator's config-hash as a pod annotation",
    tuned({ annotations: { 'nextcloud-mcp.io/config-hash': 'x' } }),
    'spec.pod.annotations',
    'FieldValueInvalid',
    new RegExp(`^Invalid value: ${literally(OWN_ANNOTATIONS)}$`),
  ],
  [
    "the operator's applied-hash as an Ingress annotation",
    { ...valid, ingress: { annotations: { 'nextcloud-mcp.io/applied-hash': 'x' } } },
    'spec.ingress.annotations',
    'FieldValueInvalid',
    new RegExp(literally(OWN_ANNOTATIONS)),
  ],
  [
    'an annotation key with a space',
    { ...valid, ingress: { annotations: { 'bad key': 'x' } } },
    'spec.ingress.annotations',
    'FieldValueInvalid',
    new RegExp(literally(QUALIFIED)),
  ],
  [
    '33 Ingress annotations',
    {
      ...valid,
      ingress: { annotations: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`a${i}`, 'x'])) },
    },
    'spec.ingress.annotations',
    'FieldValueTooMany',
    /^Too many: 33: must have at most 32 items$/,
  ],
  [
    'a node selector key that is no label key',
    tuned({ nodeSelector: { 'pool/a/b': 'x' } }),
    'spec.pod.nodeSelector',
    'FieldValueInvalid',
    new RegExp(literally(QUALIFIED)),
  ],
  [
    'a toleration with operator Exists and a value',
    tuned({ tolerations: [{ key: 'dedicated', operator: 'Exists', value: 'mcp' }] }),
    'spec.pod.tolerations[0]',
    'FieldValueInvalid',
    /a toleration with operator Exists takes no value$/,
  ],
  [
    'a toleration without a key or operator Exists',
    tuned({ tolerations: [{ value: 'mcp' }] }),
    'spec.pod.tolerations[0]',
    'FieldValueInvalid',
    /a toleration without a key needs operator Exists/,
  ],
  [
    'tolerationSeconds without effect NoExecute',
    tuned({ tolerations: [{ key: 'k', effect: 'NoSchedule', tolerationSeconds: 10 }] }),
    'spec.pod.tolerations[0]',
    'FieldValueInvalid',
    /tolerationSeconds needs effect NoExecute$/,
  ],
  [
    'an unknown taint effect',
    tuned({ tolerations: [{ key: 'k', effect: 'NoRun' }] }),
    'spec.pod.tolerations[0].effect',
    'FieldValueNotSupported',
    /^Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"$/,
  ],
  [
    '17 tolerations',
    tuned({ tolerations: Array.from({ length: 17 }, (_, i) => ({ key: `k${i}`, operator: 'Exists' })) }),
    'spec.pod.tolerations',
    'FieldValueTooMany',
    /^Too many: 17: must have at most 16 items$/,
  ],
  [
    'a node affinity In without values',
    tuned({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In' }] }],
          },
        },
      },
    }),
    'spec.pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]',
    'FieldValueInvalid',
    /values: none for Exists and DoesNotExist, exactly one for Gt and Lt, at least one for In and NotIn$/,
  ],
  [
    'a pod anti-affinity term without a topology key',
    tuned({
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 50, podAffinityTerm: { labelSelector: { matchLabels: { app: 'x' } } } },
          ],
        },
      },
    }),
    'spec.pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey',
    'FieldValueRequired',
    /^Required value$/,
  ],
  [
    'a preference weight over 100',
    tuned({
      affinity: {
        podAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 101, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } },
          ],
        },
      },
    }),
    'spec.pod.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight',
    'FieldValueInvalid',
    /should be less than or equal to 100$/,
  ],
  [
    'an image pull secret twice',
    tuned({ imagePullSecrets: [{ name: 'registry' }, { name: 'registry' }] }),
    'spec.pod.imagePullSecrets[1]',
    'FieldValueDuplicate',
    /^Duplicate value: \{"name":"registry"\}$/,
  ],
  [
    'a priority class name that is no DNS name',
    tuned({ priorityClassName: 'High_Priority' }),
    'spec.pod.priorityClassName',
    'FieldValueInvalid',
    /in body should match/,
  ],
];

/** A spec tuning every pod field, with quantities spelled as people write them. */
export const FULLY_TUNED = {
  ...valid,
  pod: {
    resources: {
      proxy: { requests: { cpu: '0.25', memory: '128Mi' }, limits: { cpu: 1, memory: '256Mi' } },
      server: { requests: { cpu: '1500m', memory: '1024Mi' }, limits: { memory: '2G' } },
    },
    imagePullSecrets: [{ name: 'registry' }],
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [
      { key: 'dedicated', operator: 'Equal', value: 'mcp', effect: 'NoSchedule' },
      { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['mcp'] }] }],
        },
      },
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              labelSelector: { matchLabels: { 'app.kubernetes.io/instance': 'acme' } },
              topologyKey: 'kubernetes.io/hostname',
            },
          },
        ],
      },
    },
    annotations: { 'sidecar.istio.io/inject': 'false' },
    labels: { team: 'platform', 'app.kubernetes.io/component': 'mcp' },
    priorityClassName: 'tenant-high',
  } satisfies PodTuning,
};
