import type {BuildFields, Inputs, LocalImageInputs, MergeInputs, MirrorInputs} from '../../src/inputs/inputs'

/** Inputs of any mode with every mode's fields readable (undefined where the mode has none), for tests that read what a mode gave. */
type Fields<T> = Omit<T, 'mode'>
export type AnyMode = Inputs &
  Partial<BuildFields & Fields<MirrorInputs> & Fields<LocalImageInputs> & Fields<MergeInputs>>

export const anyMode = (i: Inputs): AnyMode => i
