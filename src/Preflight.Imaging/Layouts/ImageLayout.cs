namespace Preflight.Imaging.Layouts;

/// <summary>How a guest image is laid out: which table (if any) sits in front of the root filesystem.</summary>
public enum ImageLayout
{
    /// <summary>osbuilder's DAX layout: MBR #1, the NVDIMM info block at 4 KiB, MBR #2 at the data offset.</summary>
    KataDax,
    Mbr,
    Gpt,

    /// <summary>No table: the whole file is one volume.</summary>
    Bare,

    /// <summary>An initrd: cpio archives, possibly compressed, no volume at all.</summary>
    Initrd,
}

public static class ImageLayoutNames
{
    /// <summary>The name reports, logs and messages print: "kata-dax", "mbr", "gpt", "bare", "initrd".</summary>
    public static string Name(this ImageLayout layout) => layout switch
    {
        ImageLayout.KataDax => "kata-dax",
        ImageLayout.Mbr => "mbr",
        ImageLayout.Gpt => "gpt",
        ImageLayout.Bare => "bare",
        ImageLayout.Initrd => "initrd",
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown image layout"),
    };
}
