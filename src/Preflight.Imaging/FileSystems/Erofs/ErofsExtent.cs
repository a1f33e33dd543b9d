namespace Preflight.Imaging.FileSystems.Erofs;

internal enum ErofsExtentKind
{
    /// <summary>Stored as is: logical byte i of the extent is physical byte i.</summary>
    Raw,

    /// <summary>Not stored (an unallocated chunk): reads as zeros.</summary>
    Hole,

    /// <summary>An lz4 raw block that decompresses to the whole extent.</summary>
    Lz4,
}

/// <summary>
/// A run of a file's bytes [LogicalStart, LogicalStart + Length) and where it lives: PhysicalLength bytes at
/// PhysicalStart (for Raw extents PhysicalLength equals Length).
/// </summary>
internal readonly record struct ErofsExtent(
    long LogicalStart, long Length, long PhysicalStart, long PhysicalLength, ErofsExtentKind Kind)
{
    public long LogicalEnd => LogicalStart + Length;
}

/// <summary>Maps a logical offset of one inode to the extent holding it; one implementation per data layout.</summary>
internal interface IErofsBlockMap
{
    /// <summary>The extent containing offset, which must be less than the file size.</summary>
    ErofsExtent Map(long offset);
}
