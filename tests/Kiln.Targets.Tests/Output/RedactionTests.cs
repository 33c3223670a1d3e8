namespace Kiln.Targets.Tests.Output;

public sealed class RedactionTests
{
    [Fact]
    public void Secrets_are_masked_longest_first_and_blank_values_are_ignored()
    {
        var redactor = new SecretRedactor();
        redactor.Add("abc");
        redactor.Add("abcdef");
        redactor.Add("   ");
        redactor.Add(null);
        Assert.Equal("x *** y *** z", redactor.Redact("x abcdef y abc z"));
        Assert.Equal(2, redactor.Values.Count);
    }

    [Fact]
    public void Console_output_of_targets_is_redacted_even_when_a_secret_is_written_in_pieces()
    {
        var redactor = new SecretRedactor();
        redactor.Add("p4ssw0rd");
        using var inner = new StringWriter();
        using (var writer = new RedactingTextWriter(inner, redactor))
        {
            writer.Write("user=admin pass=p4s");
            writer.Write("sw0rd");
            writer.WriteLine();
            writer.Write('p');
            writer.Write("4ssw0rd at the end without a newline");
        }
        Assert.Equal("user=admin pass=***" + Environment.NewLine + "*** at the end without a newline", inner.ToString());
    }
}
