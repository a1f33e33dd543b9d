using System.Runtime.InteropServices;

namespace Preflight.Formats.Compression;

/// <summary>
/// Owns one native lzma_stream (liblzma's decoder state) and the native input buffer its next_in points into.
/// Both must stay put between lzma_code calls, so they are native allocations rather than pinned arrays. As a
/// SafeHandle it is released exactly once, by Dispose or, if that is missed, by its finalizer, and never while a
/// Read holds a reference (DangerousAddRef), so a decoder can neither leak nor be freed under a running call.
/// </summary>
internal sealed unsafe class LzmaDecoderHandle : SafeHandle
{
    /// <summary>How much compressed input is handed to liblzma per refill.</summary>
    public const int InputBufferSize = 64 * 1024;

    private readonly LibLzma _library;
    private byte* _input;

    private LzmaDecoderHandle(LibLzma library)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        _library = library;
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public LibLzma Library => _library;

    public LzmaStream* Stream => (LzmaStream*)handle;

    public byte* Input => _input;

    /// <summary>Allocates the state and starts an .xz stream decoder (lzma_stream_decoder) on it.</summary>
    public static LzmaDecoderHandle Start(LibLzma library, ulong memoryLimit, uint flags)
    {
        var decoder = new LzmaDecoderHandle(library);
        // Zeroed memory is LZMA_STREAM_INIT. The handle owns it from here, so any failure below still frees it.
        decoder.SetHandle((IntPtr)NativeMemory.AllocZeroed((nuint)sizeof(LzmaStream)));
        decoder._input = (byte*)NativeMemory.Alloc(InputBufferSize);
        int status = library.StreamDecoder(decoder.Stream, memoryLimit, flags);
        if (status != LibLzma.Ok)
        {
            decoder.Dispose();
            throw new InvalidDataException(LibLzma.Describe(status, memoryLimit));
        }
        return decoder;
    }

    protected override bool ReleaseHandle()
    {
        _library.End((LzmaStream*)handle);
        NativeMemory.Free((void*)handle);
        NativeMemory.Free(_input);
        _input = null;
        return true;
    }
}
