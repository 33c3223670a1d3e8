using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kiln.Secrets;

/// <summary>
/// Masks every registered secret in every shape it takes on the way out: as is, each line of a multi-line
/// value, quoted for a shell, JSON-escaped, URL-encoded and base64 (also inside a longer base64 text).
/// Thread-safe: <see cref="Redact"/> reads an immutable snapshot; <see cref="Add"/> invalidates it.
/// Matching uses <see cref="SearchValues{T}"/> over all shapes at once, so a line costs one scan.
/// </summary>
public sealed class Redactor(Action<string>? warn = null) : IRedactor
{
    public const string Mask = "<sensitive>";

    /// <summary>Shorter secrets are not masked: masking every "a" would make logs unreadable and protect nothing.</summary>
    public const int MinimumLength = 4;

    private readonly Lock _gate = new();
    private readonly HashSet<string> _secrets = new(StringComparer.Ordinal);
    private readonly HashSet<string> _patterns = new(StringComparer.Ordinal);
    private volatile Snapshot? _snapshot = Snapshot.Empty;

    public void Add(string secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return;
        }

        lock (_gate)
        {
            if (!_secrets.Add(secret))
            {
                return;
            }

            if (secret.Trim().Length < MinimumLength)
            {
                warn?.Invoke($"A sensitive value is shorter than {MinimumLength} characters; it is not masked in output.");
                return;
            }

            foreach (var shape in Shapes(secret).Where(s => s.Length >= MinimumLength))
            {
                _patterns.Add(shape);
            }

            // The matcher is rebuilt on the next Redact, so many Adds in a row cost one build.
            _snapshot = null;
        }
    }

    public string Redact(string text)
    {
        var snapshot = _snapshot ?? Rebuild();
        if (snapshot.Patterns.Length == 0 || string.IsNullOrEmpty(text))
        {
            return text;
        }

        var span = text.AsSpan();
        var first = span.IndexOfAny(snapshot.Search);
        if (first < 0)
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var position = 0;
        var next = first;
        while (next >= 0)
        {
            var at = position + next;
            var length = snapshot.LongestAt(span[at..]);
            result.Append(span[position..at]).Append(Mask);
            position = at + length;
            next = span[position..].IndexOfAny(snapshot.Search);
        }

        return result.Append(span[position..]).ToString();
    }

    private Snapshot Rebuild()
    {
        lock (_gate)
        {
            return _snapshot ??= new Snapshot([.. _patterns.OrderByDescending(p => p.Length).ThenBy(p => p, StringComparer.Ordinal)]);
        }
    }

    /// <summary>Every form in which <paramref name="secret"/> may appear in text Kiln writes.</summary>
    internal static IEnumerable<string> Shapes(string secret)
    {
        var forms = new List<string> { secret };
        if (secret.Contains('\n', StringComparison.Ordinal) || secret.Contains('\r', StringComparison.Ordinal))
        {
            forms.AddRange(secret.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length >= MinimumLength));
            forms.Add(secret.Replace("\r\n", "\n", StringComparison.Ordinal));
        }

        foreach (var form in forms.ToList())
        {
            // JSON and C-like escaping.
            forms.Add(JsonSerializer.Serialize(form, JsonOptions)[1..^1]);
            forms.Add(JsonEncodedText.Encode(form, JavaScriptEncoder.Default).ToString());
            forms.Add(form.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));

            // Shells: inside single quotes, inside double quotes, and backslash-escaped words (printf %q).
            forms.Add(form.Replace("'", "'\\''", StringComparison.Ordinal));
            forms.Add(form.Replace("'", "'\"'\"'", StringComparison.Ordinal));
            forms.Add(EscapeForDoubleQuotes(form));
            forms.Add(EscapeWithBackslashes(form));

            // URLs: RFC 3986 and form encoding, upper- and lowercase hex.
            var escaped = Uri.EscapeDataString(form);
            forms.Add(escaped);
            forms.Add(LowerHex(escaped));
            var formEncoded = WebUtility.UrlEncode(form);
            forms.Add(formEncoded);
            forms.Add(LowerHex(formEncoded));
        }

        foreach (var form in forms.ToList())
        {
            forms.AddRange(Base64Shapes(Encoding.UTF8.GetBytes(form)));
        }

        return forms.Where(f => f.Length > 0).Distinct(StringComparer.Ordinal);
    }

    /// <summary>
    /// The secret's base64 at each of the three alignments it can have inside longer data, without the
    /// characters that also depend on neighbouring bytes; standard and URL-safe alphabets.
    /// </summary>
    private static IEnumerable<string> Base64Shapes(byte[] bytes)
    {
        yield return Convert.ToBase64String(bytes);
        for (var offset = 0; offset < 3; offset++)
        {
            var padded = new byte[offset + bytes.Length];
            bytes.CopyTo(padded, offset);
            var encoded = Convert.ToBase64String(padded).TrimEnd('=');
            var skip = offset switch { 0 => 0, 1 => 2, _ => 3 };
            var drop = (offset + bytes.Length) % 3 == 0 ? 0 : 1;
            if (encoded.Length - skip - drop <= 0)
            {
                continue;
            }

            var core = encoded[skip..^drop];
            yield return core;
            yield return core.Replace('+', '-').Replace('/', '_');
        }
    }

    private static string EscapeForDoubleQuotes(string text)
    {
        var result = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '\\' or '"' or '$' or '`')
            {
                result.Append('\\');
            }

            result.Append(c);
        }

        return result.ToString();
    }

    private static string EscapeWithBackslashes(string text)
    {
        var result = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-' or '.' or '/' or ',' or ':' or '@' or '%' or '+' or '='))
            {
                result.Append('\\');
            }

            result.Append(c);
        }

        return result.ToString();
    }

    private static string LowerHex(string encoded)
    {
        var chars = encoded.ToCharArray();
        for (var i = 0; i + 2 < chars.Length; i++)
        {
            if (chars[i] == '%')
            {
                chars[i + 1] = char.ToLowerInvariant(chars[i + 1]);
                chars[i + 2] = char.ToLowerInvariant(chars[i + 2]);
            }
        }

        return new string(chars);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private sealed class Snapshot
    {
        public static readonly Snapshot Empty = new([]);

        public Snapshot(string[] patterns)
        {
            Patterns = patterns;
            Search = SearchValues.Create(patterns, StringComparison.Ordinal);
        }

        /// <summary>Longest first, so the longest shape starting at a match wins.</summary>
        public string[] Patterns { get; }

        public SearchValues<string> Search { get; }

        public int LongestAt(ReadOnlySpan<char> text)
        {
            foreach (var pattern in Patterns)
            {
                if (text.StartsWith(pattern, StringComparison.Ordinal))
                {
                    return pattern.Length;
                }
            }

            return 1;
        }
    }
}
