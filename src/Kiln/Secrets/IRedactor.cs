namespace Kiln.Secrets;

/// <summary>
/// Replaces every known secret, in every shape it may take on the way out (quoted, shell-escaped, base64,
/// URL-encoded, each line of a multi-line value), with a mask. Every writer in Kiln passes text through it.
/// </summary>
public interface IRedactor
{
    void Add(string secret);

    string Redact(string text);
}
