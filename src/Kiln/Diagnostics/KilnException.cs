namespace Kiln.Diagnostics;

/// <summary>
/// A failure Kiln can explain to its user. The host prints <see cref="Exception.Message"/> and the hint,
/// never a stack trace; anything else that escapes is a bug in Kiln.
/// </summary>
public class KilnException : Exception
{
    public KilnException(string message, string? hint = null, Exception? inner = null)
        : base(message, inner) => Hint = hint;

    public KilnException() : this("Kiln failed.") { }

    public KilnException(string message) : this(message, null, null) { }

    public KilnException(string message, Exception inner) : this(message, null, inner) { }

    public string? Hint { get; }
}
