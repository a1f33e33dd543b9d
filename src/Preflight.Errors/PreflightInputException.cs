namespace Preflight;

/// <summary>
/// The base of every exception that means "this input is malformed, unsupported or over a limit": the user's file,
/// not kata-preflight, is at fault. Each layer derives its own type (ImageFormatException, BinaryFormatException,
/// ProtocolFormatException, HostConfigException, ...) carrying the layer's details (offset, line); the CLI catches
/// this base alone, prints <see cref="Exception.Message"/> as one line and exits 3. Anything else that escapes is a
/// bug (exit 4), so a reader must never wrap a bug (NullReferenceException, IndexOutOfRangeException, ...) in one.
/// </summary>
/// <remarks>
/// It lives in a project of its own because Imaging and Binaries may depend on nothing else of ours: a shared base
/// type is the only coupling they accept, and it carries no behaviour.
/// </remarks>
public abstract class PreflightInputException : Exception
{
    /// <param name="file">The input at fault, as the user would recognize it (a path, "stdin", a descriptor source).</param>
    /// <param name="problem">What is wrong, without the file name.</param>
    /// <param name="message">The one line the CLI prints: the layer formats file, position and problem together.</param>
    protected PreflightInputException(string file, string problem, string message, Exception? inner = null)
        : base(message, inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The input at fault.</summary>
    public string File { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
