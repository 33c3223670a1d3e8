using Spectre.Console;

namespace Kiln.Targets;

/// <summary>
/// Every line the host writes goes through here: redacted, shaped for the host kind, filtered by verbosity.
/// Writes are serialised because an interrupt reports from the signal thread while a target logs.
/// </summary>
internal sealed class HostOutput(IAnsiConsole console, HostKind kind, SecretRedactor redactor)
{
    private readonly Lock _gate = new();

    public IAnsiConsole Console { get; } = console;

    public HostKind Kind { get; } = kind;

    public SecretRedactor Redactor { get; } = redactor;

    public Verbosity Verbosity { get; set; } = Verbosity.Normal;

    public bool IsCi => Kind is HostKind.GitHubActions or HostKind.AzurePipelines;

    public string Redact(string text) => Redactor.Redact(text);

    public void Line(string text, Verbosity minimum = Verbosity.Normal, Style? style = null)
    {
        if (Verbosity < minimum)
        {
            return;
        }

        Write(Redact(text), style);
    }

    public void Blank(Verbosity minimum = Verbosity.Normal) => Line("", minimum);

    public void Debug(string text) => Line(text, Verbosity.Verbose, new Style(Color.Grey));

    public void Warning(string text)
    {
        var redacted = Redact(text);
        lock (_gate)
        {
            if (Kind == HostKind.GitHubActions)
            {
                Raw($"::warning::{EscapeGitHubData(redacted)}");
            }
            else if (Kind == HostKind.AzurePipelines)
            {
                Raw($"##vso[task.logissue type=warning]{EscapeAzure(redacted)}");
            }
            else
            {
                Write($"warning: {redacted}", new Style(Color.Yellow));
            }
        }
    }

    /// <summary>An error a user can act on: the message, then the hint on its own line; annotated on CI.</summary>
    public void Error(string message, string? hint = null, string? title = null)
    {
        var text = Redact(message);
        var help = hint is null ? null : Redact(hint);
        lock (_gate)
        {
            if (Kind == HostKind.GitHubActions)
            {
                var titled = title is null ? "" : $" title={EscapeGitHubProperty(Redact(title))}";
                Raw($"::error{titled}::{EscapeGitHubData(help is null ? text : $"{text}\n{help}")}");
            }
            else if (Kind == HostKind.AzurePipelines)
            {
                Raw($"##vso[task.logissue type=error]{EscapeAzure(text)}");
            }

            Write($"error: {text}", new Style(Color.Red));
            if (help is not null)
            {
                Write($"hint: {help}", new Style(Color.Yellow));
            }
        }
    }

    public void BeginTarget(string name)
    {
        if (Verbosity < Verbosity.Minimal)
        {
            return;
        }

        lock (_gate)
        {
            switch (Kind)
            {
                case HostKind.GitHubActions:
                    Raw($"::group::{name}");
                    break;
                case HostKind.AzurePipelines:
                    Raw($"##[group]{name}");
                    break;
                default:
                    var rule = new Rule($"[bold]{Markup.Escape(name)}[/]") { Justification = Justify.Left };
                    if (Kind == HostKind.Plain)
                    {
                        rule.Border = BoxBorder.Ascii;
                    }

                    Console.Write(rule);
                    break;
            }
        }
    }

    public void EndTarget()
    {
        if (Verbosity < Verbosity.Minimal)
        {
            return;
        }

        lock (_gate)
        {
            if (Kind == HostKind.GitHubActions)
            {
                Raw("::endgroup::");
            }
            else if (Kind == HostKind.AzurePipelines)
            {
                Raw("##[endgroup]");
            }
        }
    }

    public void Render(Spectre.Console.Rendering.IRenderable renderable)
    {
        lock (_gate)
        {
            Console.Write(renderable);
        }
    }

    private void Write(string redacted, Style? style)
    {
        lock (_gate)
        {
            // Styled lines only where there are colours; everything else goes out verbatim, never wrapped.
            if (style is not null && Kind == HostKind.Terminal && Console.Profile.Capabilities.Ansi)
            {
                Console.Write(new Text(redacted + "\n", style));
            }
            else
            {
                Raw(redacted);
            }
        }
    }

    /// <summary>Workflow commands and log lines must reach the log exactly as written.</summary>
    private void Raw(string line)
    {
        Console.Profile.Out.Writer.Write(line + "\n");
        Console.Profile.Out.Writer.Flush();
    }

    private static string EscapeGitHubData(string value) =>
        value.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    private static string EscapeGitHubProperty(string value) =>
        EscapeGitHubData(value).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);

    private static string EscapeAzure(string value) =>
        value.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
