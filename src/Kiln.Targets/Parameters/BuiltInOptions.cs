namespace Kiln.Targets;

/// <summary>The options every build understands.</summary>
internal static class BuiltInOptions
{
    public const string Help = "help";
    public const string Plan = "plan";
    public const string Skip = "skip";
    public const string Target = "target";
    public const string Verbosity = "verbosity";
    public const string NoLogo = "nologo";

    private static readonly HashSet<string> Reserved = [Help, Plan, Skip, Target, Verbosity, NoLogo, "h"];

    public static bool IsReserved(string normalizedName) => Reserved.Contains(normalizedName);

    public static bool IsFlag(string normalizedName) => normalizedName is Help or Plan or NoLogo or "h";

    public static readonly (string Usage, string Description)[] Descriptions =
    [
        ("--target <A+B>", "Targets to run (also given as the first arguments: Compile Test)."),
        ("--skip [A B]", "Skip these targets, or every target not invoked when no name follows."),
        ("--plan", "Print the execution plan and write it as a Mermaid graph; run nothing."),
        ("--verbosity <level>", "quiet, minimal, normal or verbose (verbose adds stack traces)."),
        ("--no-logo", "Do not print the banner."),
        ("--help", "Show this help."),
    ];
}
