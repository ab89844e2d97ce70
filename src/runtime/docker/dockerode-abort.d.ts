// dockerode passes `abortSignal` on to every request (docker-modem's dial), but its type
// definitions lag behind for some calls; these declarations say what the code does.
import 'dockerode';

declare module 'dockerode' {
  interface ImageInspectOptions {
    abortSignal?: AbortSignal;
  }
}
