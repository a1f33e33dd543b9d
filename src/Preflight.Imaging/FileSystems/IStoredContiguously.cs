namespace Preflight.Imaging.FileSystems;

/// <summary>
/// A file's content stream that can say where the file's bytes lie in its volume when they lie there as they are:
/// one unbroken run, no hole, no compression. A reader that wants the whole file can then map those bytes of the
/// image instead of copying them through the file system.
/// </summary>
public interface IStoredContiguously
{
    /// <summary>
    /// The offset in the volume where the file's Length bytes start, when all of them are stored there in order;
    /// null when they are not (fragments, holes, unwritten extents), or when finding out would cost more than reading.
    /// </summary>
    long? StoredAt();
}
