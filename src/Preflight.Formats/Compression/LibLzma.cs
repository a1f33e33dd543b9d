using System.Runtime.InteropServices;

namespace Preflight.Formats.Compression;

/// <summary>
/// The three entry points of the system's liblzma.so.5 that decoding needs, bound at run time. The library is
/// looked up once, on first use; when it is missing (or an export is), <see cref="Instance"/> is null and callers
/// fall back to the managed decoder. Binding through NativeLibrary and function pointers (not DllImport) keeps
/// NativeAOT from needing the library at link or start-up time, and a missing library never throws at call time.
/// </summary>
internal sealed unsafe class LibLzma
{
    /// <summary>The soname every Debian/Ubuntu (dpkg depends on liblzma5) and rpm (xz-libs) host has.</summary>
    public const string LibraryName = "liblzma.so.5";

    // lzma_ret values (lzma/base.h).
    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int MemError = 5;
    public const int MemlimitError = 6;
    public const int FormatError = 7;
    public const int OptionsError = 8;
    public const int DataError = 9;
    public const int BufError = 10;
    public const int ProgError = 11;

    // lzma_action values (lzma/base.h).
    public const int Run = 0;
    public const int Finish = 3;

    private static readonly Lazy<LibLzma?> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly delegate* unmanaged<LzmaStream*, ulong, uint, int> _streamDecoder;
    private readonly delegate* unmanaged<LzmaStream*, int, int> _code;
    private readonly delegate* unmanaged<LzmaStream*, void> _end;

    private LibLzma(
        delegate* unmanaged<LzmaStream*, ulong, uint, int> streamDecoder,
        delegate* unmanaged<LzmaStream*, int, int> code,
        delegate* unmanaged<LzmaStream*, void> end)
    {
        _streamDecoder = streamDecoder;
        _code = code;
        _end = end;
    }

    /// <summary>The bound library, or null when it cannot be used in this process.</summary>
    public static LibLzma? Instance => Loaded.Value;

    /// <summary>lzma_stream_decoder: starts an .xz decoder on a zeroed (LZMA_STREAM_INIT) stream.</summary>
    public int StreamDecoder(LzmaStream* stream, ulong memoryLimit, uint flags) => _streamDecoder(stream, memoryLimit, flags);

    /// <summary>lzma_code: consumes next_in/avail_in, fills next_out/avail_out.</summary>
    public int Code(LzmaStream* stream, int action) => _code(stream, action);

    /// <summary>lzma_end: frees what liblzma allocated; safe on a zeroed or failed-to-start stream.</summary>
    public void End(LzmaStream* stream) => _end(stream);

    /// <summary>A one-line description of a liblzma status for an error message, naming the constant.</summary>
    public static string Describe(int status, ulong memoryLimit) => status switch
    {
        MemError => "xz: liblzma ran out of memory (LZMA_MEM_ERROR)",
        MemlimitError => $"xz: decoding needs more memory than the limit of {memoryLimit >> 20} MiB: the header asks for a huge dictionary (LZMA_MEMLIMIT_ERROR)",
        FormatError => "xz: not in the .xz format (LZMA_FORMAT_ERROR)",
        OptionsError => "xz: unsupported compression options (LZMA_OPTIONS_ERROR)",
        DataError => "xz: corrupt data (LZMA_DATA_ERROR)",
        BufError => "xz: the compressed data ends early (LZMA_BUF_ERROR)",
        ProgError => "xz: liblzma reported a programming error (LZMA_PROG_ERROR)",
        _ => $"xz: unexpected liblzma status {status}",
    };

    private static LibLzma? Load()
    {
        // LzmaStream mirrors the LP64 layout of lzma_stream; on a 32-bit process the managed decoder is used.
        if (!Environment.Is64BitProcess || !NativeLibrary.TryLoad(LibraryName, out IntPtr library))
        {
            return null;
        }
        if (!NativeLibrary.TryGetExport(library, "lzma_stream_decoder", out IntPtr streamDecoder)
            || !NativeLibrary.TryGetExport(library, "lzma_code", out IntPtr code)
            || !NativeLibrary.TryGetExport(library, "lzma_end", out IntPtr end))
        {
            NativeLibrary.Free(library);
            return null;
        }
        // The library stays loaded for the life of the process: decoders may exist on any thread at any time.
        return new LibLzma(
            (delegate* unmanaged<LzmaStream*, ulong, uint, int>)streamDecoder,
            (delegate* unmanaged<LzmaStream*, int, int>)code,
            (delegate* unmanaged<LzmaStream*, void>)end);
    }
}

/// <summary>
/// lzma_stream from lzma/base.h (liblzma 5.x; the soname's ABI), field for field. On LP64 Linux it is 136 bytes:
/// next_in 0, avail_in 8, total_in 16, next_out 24, avail_out 32, total_out 40, allocator 48, internal 56,
/// reserved_ptr1..4 64..88, seek_pos 96, reserved_int2 104, reserved_int3 112, reserved_int4 120,
/// reserved_enum1 128, reserved_enum2 132 (checked with offsetof against liblzma 5.4.1's header).
/// liblzma keeps a pointer to it between calls, so it lives in native memory, never on the managed heap.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LzmaStream
{
    public byte* NextIn;
    public nuint AvailIn;
    public ulong TotalIn;
    public byte* NextOut;
    public nuint AvailOut;
    public ulong TotalOut;
    public void* Allocator;
    public void* Internal;
    public void* ReservedPtr1;
    public void* ReservedPtr2;
    public void* ReservedPtr3;
    public void* ReservedPtr4;
    public ulong SeekPos;
    public ulong ReservedInt2;
    public nuint ReservedInt3;
    public nuint ReservedInt4;
    public int ReservedEnum1;
    public int ReservedEnum2;
}
