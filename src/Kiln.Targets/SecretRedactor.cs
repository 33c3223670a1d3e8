namespace Kiln.Targets;

/// <summary>Replaces every known secret value with ***. Thread-safe: components register secrets while targets log.</summary>
public sealed class SecretRedactor
{
    public const string Mask = "***";

    private readonly Lock _gate = new();
    private string[] _secrets = [];

    /// <summary>Every registered value, so a component can hand them to its own redactor.</summary>
    public IReadOnlyCollection<string> Values
    {
        get
        {
            lock (_gate)
            {
                return _secrets;
            }
        }
    }

    public void Add(string? secret)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            return;
        }

        lock (_gate)
        {
            if (_secrets.Contains(secret, StringComparer.Ordinal))
            {
                return;
            }
            // Longest first, so a secret containing another is masked whole.
            _secrets = [.. _secrets.Append(secret).OrderByDescending(value => value.Length)];
        }
    }

    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var current = Values;
        foreach (var secret in current)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
