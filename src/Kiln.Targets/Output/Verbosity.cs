namespace Kiln.Targets;

public enum Verbosity
{
    /// <summary>Errors and the final line only.</summary>
    Quiet,

    /// <summary>Target headers, errors and the summary.</summary>
    Minimal,

    Normal,

    /// <summary>Adds debug lines and stack traces.</summary>
    Verbose,
}
