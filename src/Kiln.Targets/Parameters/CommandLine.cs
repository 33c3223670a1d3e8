namespace Kiln.Targets;

/// <summary>One option as given: its name without dashes and the values up to the next option.</summary>
internal sealed record CommandLineOption(string Name, IReadOnlyList<string> Values)
{
    public string Key => Names.Normalize(Name);
}

/// <summary>
/// The arguments split into leading target names and options. Values follow an option up to the next
/// <c>--option</c>; a repeated option accumulates its values; <c>--name=value</c> is accepted too.
/// </summary>
internal sealed record CommandLine(IReadOnlyList<string> Targets, IReadOnlyList<CommandLineOption> Options)
{
    /// <param name="isFlag">Options that take no value (e.g. --plan, bool parameters): a following argument is a
    /// target name, except a literal true/false after a bool.</param>
    public static CommandLine Parse(IReadOnlyList<string> args, Func<string, bool>? isFlag = null)
    {
        var targets = new List<string>();
        var options = new List<(string Name, List<string> Values)>();
        List<string>? current = null;
        foreach (var arg in args)
        {
            if (IsOption(arg))
            {
                var name = arg.TrimStart('-');
                string? inline = null;
                var equals = name.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0)
                {
                    inline = name[(equals + 1)..];
                    name = name[..equals];
                }
                var existing = options.FindIndex(option => Names.Normalize(option.Name) == Names.Normalize(name));
                current = existing >= 0 ? options[existing].Values : [];
                if (existing < 0)
                {
                    options.Add((name, current));
                }

                if (inline is not null)
                {
                    current.Add(inline);
                }
            }
            else if (current is null || (isFlag is not null && isFlag(Names.Normalize(options[^1].Name)) && !IsBoolLiteral(arg)))
            {
                targets.AddRange(SplitTargets(arg));
            }
            else
            {
                current.Add(arg);
            }
        }
        return new CommandLine(targets, [.. options.Select(option => new CommandLineOption(option.Name, option.Values))]);
    }

    public CommandLineOption? Find(string key) => Options.FirstOrDefault(option => option.Key == key);

    public bool Has(string key) => Find(key) is not null;

    public static IEnumerable<string> SplitTargets(string value) =>
        value.Split('+', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsBoolLiteral(string arg) => arg.ToUpperInvariant() is "TRUE" or "FALSE";

    private static bool IsOption(string arg) =>
        arg is "-h" || (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2);
}
