namespace Preflight.Imaging.Layouts;

/// <summary>
/// One partition as a table describes it, in bytes from the start of the image file.
/// Type is the MBR type byte as two hex digits ("83") or the GPT type GUID in upper case.
/// </summary>
public sealed record PartitionInfo(int Number, long Offset, long Length, string Type, bool Bootable, string? Name = null);

/// <summary>
/// What the partition tables of an image say, before any filesystem is looked at. Layout is never
/// <see cref="ImageLayout.Initrd"/>; for <see cref="ImageLayout.Bare"/> (no table) the whole file is one volume,
/// given as a single partition numbered 0.
/// DaxDataOffset is where the DAX metadata says the namespace data begins (kata-dax only).
/// </summary>
public sealed record DiskLayout(ImageLayout Layout, IReadOnlyList<PartitionInfo> Partitions, long? DaxDataOffset = null);
