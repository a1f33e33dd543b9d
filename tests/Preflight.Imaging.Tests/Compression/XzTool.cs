using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Preflight.Formats.Compression;

namespace Preflight.Imaging.Tests.Compression;

/// <summary>The real xz (xz-utils) as the reference decoder and encoder, plus the .xz fixtures the repository makes.</summary>
internal static class XzTool
{
    /// <summary>Runs xz with <paramref name="input"/> on stdin; returns its exit code, stdout and stderr.</summary>
    public static (int ExitCode, byte[] Output, string Errors) Run(byte[] input, params string[] arguments)
    {
        var start = new ProcessStartInfo("xz")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process xz = Process.Start(start) ?? throw new InvalidOperationException("xz did not start");
        // Feed stdin and drain stdout/stderr concurrently so neither pipe can fill up and block xz.
        using var output = new MemoryStream();
        Task copyOut = xz.StandardOutput.BaseStream.CopyToAsync(output);
        Task<string> errors = xz.StandardError.ReadToEndAsync();
        try
        {
            xz.StandardInput.BaseStream.Write(input);
        }
        catch (IOException)
        {
            // xz stops reading stdin when it meets an error; its exit code and stderr say which.
        }
        try
        {
            xz.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        copyOut.Wait();
        xz.WaitForExit();
        return (xz.ExitCode, output.ToArray(), errors.Result);
    }

    /// <summary>What `xz -dc` prints for the compressed bytes, failing the test if xz refuses them.</summary>
    public static byte[] Decompress(byte[] compressed, params string[] extra)
    {
        (int code, byte[] output, string errors) = Run(compressed, ["-dc", .. extra]);
        Assert.True(code == 0, $"xz -dc failed ({code}): {errors}");
        return output;
    }

    public static byte[] Compress(byte[] data, params string[] options)
    {
        (int code, byte[] output, string errors) = Run(data, ["-c", .. options]);
        Assert.True(code == 0, $"xz -c failed ({code}): {errors}");
        return output;
    }

    /// <summary>Decodes everything with the chosen decoder, in reads of <paramref name="chunk"/> bytes.</summary>
    public static byte[] Decode(byte[] compressed, XzDecoder decoder, int chunk = 81920)
    {
        using Stream xz = XzDecompression.Open(new MemoryStream(compressed, writable: false), leaveOpen: false, decoder);
        using var output = new MemoryStream();
        var buffer = new byte[chunk];
        int read;
        while ((read = xz.Read(buffer, 0, buffer.Length)) > 0)
        {
            output.Write(buffer, 0, read);
        }
        return output.ToArray();
    }

    /// <summary>Every .xz stream testdata/*/make.sh produces: the xz initrd, the -Zxz debs' members, the w6.xzdio rpm payload.</summary>
    public static TheoryData<string> Fixtures => new()
    {
        "initrd/initrd-xz.img",
        "packages/kata-containers_3.2.0-1_amd64.xz.deb#control.tar.xz",
        "packages/kata-containers_3.2.0-1_amd64.xz.deb#data.tar.xz",
        "packages/kata-containers-3.2.0-1.x86_64.xz.rpm#payload",
        "packages/hook/kata-runtime_3.5.0-1_amd64.deb#data.tar.xz",
        "packages/hook/kata-containers-image_3.2.0-1_amd64.deb#data.tar.xz",
    };

    /// <summary>The compressed bytes a fixture name stands for: a whole file, a deb (ar) member, or an rpm payload.</summary>
    public static byte[] Load(string fixture)
    {
        string[] parts = fixture.Split('#');
        byte[] file = File.ReadAllBytes(TestData.Generated(parts[0].Split('/')));
        return parts.Length == 1 ? file
            : parts[1] == "payload" ? file[(int)RpmPayloadOffset(file)..]
            : ArMember(file, parts[1]);
    }

    private static byte[] ArMember(byte[] deb, string name)
    {
        int position = 8;
        while (position + 60 <= deb.Length)
        {
            string member = Encoding.ASCII.GetString(deb, position, 16).TrimEnd(' ', '/');
            int size = int.Parse(Encoding.ASCII.GetString(deb, position + 48, 10).Trim(), CultureInfo.InvariantCulture);
            if (member == name)
            {
                return deb[(position + 60)..(position + 60 + size)];
            }
            position += 60 + size + (size & 1);
        }
        throw new InvalidOperationException($"no ar member {name}");
    }

    /// <summary>After the 96-byte lead, the signature header (padded to 8) and the main header.</summary>
    private static long RpmPayloadOffset(byte[] rpm)
    {
        long offset = 96;
        for (int header = 0; header < 2; header++)
        {
            int count = BinaryPrimitives.ReadInt32BigEndian(rpm.AsSpan((int)offset + 8));
            int store = BinaryPrimitives.ReadInt32BigEndian(rpm.AsSpan((int)offset + 12));
            offset += 16 + 16L * count + store;
            if (header == 0)
            {
                offset += (8 - (offset & 7)) & 7;
            }
        }
        return offset;
    }
}
