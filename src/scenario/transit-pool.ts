// The engine-side addresses of lab bridges. Docker's address management refuses two networks
// with overlapping subnets, so the lesson's own addresses never go to it: each lab bridge
// gets a small subnet of this pool from Docker ("transit"), and at setup every host's
// transit address is replaced by the lesson's. The same lesson can then be up any number of
// times at once, each copy with exactly the addresses it teaches.
//
// 198.18.0.0/15 is set aside for benchmarking network devices (RFC 2544): no lesson needs
// it, and no real network uses it. Lessons may not use it either: a host would see its
// bridge's engine-side subnet as its own.
export const TRANSIT_POOL = '198.18.0.0/15';
