// A mistake in naming a lab or host on the command line; the message lists the choices.
// Its own module, so the CLI's error handling loads nothing else of the lab.
export class LabSelectionError extends Error {
  override name = 'LabSelectionError';
}
