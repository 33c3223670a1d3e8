using System.Net;
using System.Text;
using System.Text.Json;
using Kiln.Secrets;

namespace Kiln.Tests.Secrets;

public sealed class RedactorTests
{
    private const string Secret = "p@ss w0rd/\"x'$y+&z";

    private static Redactor With(string secret)
    {
        var redactor = new Redactor();
        redactor.Add(secret);
        return redactor;
    }

    public static TheoryData<string, string> Shapes()
    {
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret));
        return new TheoryData<string, string>
        {
            { "plain", Secret },
            { "single-quoted", $"'{Secret}'" },
            { "double-quoted", $"\"{Secret}\"" },
            { "json-escaped", JsonSerializer.Serialize(Secret) },
            { "shell single-quoted", "'" + Secret.Replace("'", "'\\''", StringComparison.Ordinal) + "'" },
            { "shell double-quoted", "\"" + Secret.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("$", "\\$", StringComparison.Ordinal) + "\"" },
            // What bash's printf %q and Python's shlex.quote print for it.
            { "shell backslash-escaped", "p@ss\\ w0rd/\\\"x\\'\\$y+\\&z" },
            { "shlex-quoted", "'p@ss w0rd/\"x'\"'\"'$y+&z'" },
            { "url-encoded", Uri.EscapeDataString(Secret) },
            { "url-encoded lowercase", Uri.EscapeDataString(Secret).ToLowerInvariant() },
            { "form-encoded", WebUtility.UrlEncode(Secret) },
            { "base64", base64 },
            { "base64 url-safe", base64.Replace('+', '-').Replace('/', '_').TrimEnd('=') },
        };
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_shape_of_a_secret_is_masked(string shape, string text)
    {
        var line = $"before {text} after";

        var redacted = With(Secret).Redact(line);

        Assert.DoesNotContain(text, redacted, StringComparison.Ordinal);
        Assert.StartsWith("before ", redacted, StringComparison.Ordinal);
        Assert.EndsWith(" after", redacted, StringComparison.Ordinal);
        Assert.Contains(Redactor.Mask, redacted, StringComparison.Ordinal);
        _ = shape;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void A_secret_inside_longer_base64_data_is_masked_at_every_alignment(int prefixLength)
    {
        var data = Encoding.UTF8.GetBytes(new string('#', prefixLength) + "user:" + Secret + ":tail");
        var encoded = Convert.ToBase64String(data);

        var redacted = With(Secret).Redact($"Authorization: Basic {encoded}");

        Assert.Contains(Redactor.Mask, redacted, StringComparison.Ordinal);
        var remaining = redacted.Replace("Authorization: Basic ", "", StringComparison.Ordinal).Split(Redactor.Mask);
        // What is left around the mask is too short to decode into the secret.
        Assert.All(remaining, part => Assert.True(part.Length < 12, $"'{part}' is left of '{encoded}'"));
    }

    [Fact]
    public void Each_line_of_a_multi_line_secret_is_masked_alone()
    {
        var key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END KEY-----";
        var redactor = With(key);

        var log = "stdout: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nstdout: BKcwggSjAgEAAoIBAQC7";

        Assert.Equal("stdout: <sensitive>\nstdout: <sensitive>", redactor.Redact(log));
        Assert.Equal("k=<sensitive>", redactor.Redact("k=" + JsonSerializer.Serialize(key)[1..^1]));
    }

    [Fact]
    public void Short_secrets_are_not_masked_and_a_warning_says_so()
    {
        var warnings = new List<string>();
        var redactor = new Redactor(warnings.Add);

        redactor.Add("abc");

        Assert.Equal("abc abc", redactor.Redact("abc abc"));
        Assert.Single(warnings);
    }

    [Fact]
    public void Overlapping_secrets_mask_the_longest_match()
    {
        var redactor = new Redactor();
        redactor.Add("token-1234");
        redactor.Add("token-1234-extended");

        Assert.Equal("a <sensitive> b <sensitive>", redactor.Redact("a token-1234-extended b token-1234"));
    }

    [Fact]
    public void Text_without_secrets_is_returned_unchanged()
    {
        var redactor = With(Secret);
        const string text = "nothing to see here";

        Assert.Same(text, redactor.Redact(text));
        Assert.Equal("", redactor.Redact(""));
    }

    [Fact]
    public void Adding_and_redacting_from_many_threads_is_safe()
    {
        var redactor = new Redactor();
        var secrets = Enumerable.Range(0, 200).Select(i => $"secret-value-{i:D4}").ToList();

        Parallel.ForEach(secrets, new ParallelOptions { MaxDegreeOfParallelism = 4 }, secret =>
        {
            redactor.Add(secret);
            Assert.Equal("x <sensitive> y", redactor.Redact($"x {secret} y"));
        });

        Assert.All(secrets, s => Assert.DoesNotContain(s, redactor.Redact($"log line with {s} inside"), StringComparison.Ordinal));
    }
}
