namespace Preflight.Host.Packages;

/// <summary>
/// Files to copy out of a package while its file list is read. A .deb's list comes from walking its compressed
/// data.tar, and reading a file afterwards walks it again; a caller that knows which paths it may want before it
/// sees the list (the runtime's fixed paths, guest images by name) pays for one decompression instead of two.
/// An .rpm's list is in its header, so nothing is captured there and reads walk the payload once anyway.
/// </summary>
/// <param name="Directory">Where copies go: the file at /usr/bin/x lands at Directory/usr/bin/x.</param>
/// <param name="MaxBytesFor">The most bytes to copy for a regular file at this path, or null when it is not wanted.</param>
/// <param name="Budget">The run's scratch budget: a copy that does not fit is not taken (the caller may still try).</param>
public sealed record PackageCapture(string Directory, Func<string, long?> MaxBytesFor, ScratchBudget? Budget = null);
