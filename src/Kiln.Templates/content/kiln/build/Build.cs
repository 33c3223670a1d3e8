using Kiln.Components;
using Kiln.Targets;

namespace Kiln.RepositoryBuild;

/// <summary>
/// This repository's build: ./build.sh --help is its map. Compile builds the solution and publishes its app into
/// output/app; BuildImages (from IKilnImages) bakes that folder into the images defined under templates/, and
/// GenerateCi (from IKilnCi) writes CI files that do the same on hosted runners.
/// </summary>
internal sealed class Build : KilnBuild, IKilnCi
{
    public static Task<int> Main(string[] args) => KilnHost.RunAsync<Build>(args, build => build.Compile);

    [Parameter("Build configuration.")]
    public Configuration Configuration { get; set; } = Configuration.Release;

    [Parameter("The solution Compile builds (default: the one *.sln or *.slnx at the repository root).")]
    public string? Solution { get; set; }

    [Parameter("The project whose output the images carry (default: the solution's one executable project).")]
    public string? App { get; set; }

    [Parameter("The runtime the app is published for, self-contained, so that images need no .NET installed.")]
    public string Runtime { get; set; } = "linux-x64";

    private RepositoryLayout Layout => RepositoryLayout.Find(RootDirectory, Solution, App);

    private string AppDirectory => Path.Combine(RootDirectory, "output", "app");

    /// <summary>What templates/app.kiln.yaml declares: where the published app is, and the name of its executable.</summary>
    IReadOnlyDictionary<string, string> IKilnImages.ImageVariables => new Dictionary<string, string>
    {
        ["app_dir"] = AppDirectory,
        ["app_name"] = Layout.AppName,
    };

    private Target Restore => _ => _
        .Description("Restores the NuGet packages of the solution.")
        .Executes(cancellationToken => DotNet.RunAsync(["restore", Layout.Solution], RootDirectory, cancellationToken));

    public Target Compile => _ => _
        .Description("Builds the solution, then publishes its app into output/app.")
        .DependsOn(Restore)
        .Executes(async cancellationToken =>
        {
            await DotNet.RunAsync(["build", Layout.Solution, "--no-restore", "--configuration", Configuration.ToString()], RootDirectory, cancellationToken);
            // Invariant globalization: a minimal image has no ICU, and the app must start there.
            await DotNet.RunAsync(
                ["publish", Layout.AppProject, "--configuration", Configuration.ToString(), "--runtime", Runtime, "--self-contained",
                 "-p:InvariantGlobalization=true", "--output", AppDirectory],
                RootDirectory, cancellationToken);
        });

    private Target Test => _ => _
        .Description("Runs the solution's tests.")
        .DependsOn(Compile)
        .Executes(cancellationToken => DotNet.RunAsync(["test", Layout.Solution, "--no-build", "--configuration", Configuration.ToString()], RootDirectory, cancellationToken));
}
