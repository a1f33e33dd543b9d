namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>
/// A stretch of a file's logical blocks that maps to consecutive physical blocks, or reads as zeros (a hole or an
/// uninitialised extent). Length is at least 1; a hole with no end in sight is long.MaxValue - Logical blocks.
/// </summary>
internal readonly record struct Ext4Run(long Logical, long Length, long Physical, bool ReadsAsZeros);

/// <summary>How a file's logical blocks map to the volume: extent tree or classic indirect block map.</summary>
internal interface IExt4BlockMap
{
    /// <summary>The run that contains this logical block.</summary>
    Ext4Run Map(long logical);
}

/// <summary>A small cache of metadata blocks (extent nodes, indirect blocks) so sequential reads fetch each once.</summary>
internal sealed class Ext4BlockCache
{
    private const int Capacity = 16;

    private readonly Ext4Volume _volume;
    private readonly Dictionary<long, byte[]> _blocks = new();

    public Ext4BlockCache(Ext4Volume volume)
    {
        _volume = volume;
    }

    public byte[] Read(long block, string what)
    {
        if (_blocks.TryGetValue(block, out byte[]? cached))
        {
            return cached;
        }
        var data = new byte[_volume.BlockSize];
        _volume.ReadBlock(block, data, what);
        if (_blocks.Count >= Capacity)
        {
            _blocks.Clear();
        }
        _blocks[block] = data;
        return data;
    }
}
