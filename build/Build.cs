using Kiln.Components;
using Kiln.Targets;

namespace Kiln.RepositoryBuild;

/// <summary>
/// The repository's own build: ./build.sh --help is its map.
/// Image targets (BuildImages, its stage targets, ValidateImages, InspectImages, SweepImages, CleanImages) come from
/// the Kiln.Components interface it implements; BuildImages bakes what Compile produced into the images.
/// </summary>
internal sealed class Build : KilnBuild, IKilnCi
{
    public static Task<int> Main(string[] args) => KilnHost.RunAsync<Build>(args, build => build.Compile);

    [Parameter("Build configuration.")]
    public Configuration Configuration { get; set; } = Configuration.Debug;

    [Parameter("Test filter passed to dotnet test --filter (VSTest syntax, e.g. FullyQualifiedName~Kiln.Targets).")]
    public string? Filter { get; set; }

    /// <summary>The compiled app the example image carries (templates/app.kiln.yaml declares app_dir).</summary>
    IReadOnlyDictionary<string, string> IKilnImages.ImageVariables => new Dictionary<string, string>
    {
        ["app_dir"] = Path.Combine(RootDirectory, "src", "Kiln", "bin", Configuration.ToString(), "net10.0"),
    };

    private string Solution => Path.Combine(RootDirectory, "Kiln.slnx");

    private string OutputDirectory => Path.Combine(RootDirectory, "output");

    private string TestResultsDirectory => Path.Combine(OutputDirectory, "test-results");

    private string PackagesDirectory => Path.Combine(OutputDirectory, "packages");

    private Target Clean => _ => _
        .Description("Deletes output/ and the bin/obj folders of src/ and tests/.")
        .Before(Restore)
        .Executes(() =>
        {
            DeleteDirectory(OutputDirectory);
            foreach (var area in new[] { "src", "tests" })
            {
                foreach (var project in Directory.EnumerateDirectories(Path.Combine(RootDirectory, area)))
                {
                    DeleteDirectory(Path.Combine(project, "bin"));
                    DeleteDirectory(Path.Combine(project, "obj"));
                }
            }
        });

    private Target Restore => _ => _
        .Description("Restores the NuGet packages of the solution.")
        .Executes(cancellationToken => DotNet.RunAsync(["restore", Solution], RootDirectory, cancellationToken));

    public Target Compile => _ => _
        .Description("Builds the solution (warnings are errors).")
        .DependsOn(Restore)
        .Executes(cancellationToken => DotNet.RunAsync(["build", Solution, "--no-restore", "--configuration", Configuration.ToString()], RootDirectory, cancellationToken));

    private Target Test => _ => _
        .Description("Runs the unit and integration tests; TRX results go to output/test-results.")
        .DependsOn(Compile)
        .DependsOn<IKilnImages>(x => x.ValidateImages)
        .Executes(async cancellationToken =>
        {
            await TestTools.EnsurePowerShellAsync(RootDirectory, cancellationToken);
            DeleteDirectory(TestResultsDirectory);
            List<string> arguments =
            [
                "test", "--solution", Solution, "--no-build", "--configuration", Configuration.ToString(),
                "--report-xunit-trx", "--results-directory", TestResultsDirectory,
            ];
            // A filter leaves some test projects with nothing to run, which Microsoft.Testing.Platform reports as
            // exit code 8; that is not a failure here (the TRX counts below still are the verdict).
            if (!string.IsNullOrWhiteSpace(Filter))
            {
                arguments.AddRange(["--filter", Filter, "--ignore-exit-code", "8"]);
            }

            var exitCode = await DotNet.RunAllowingFailureAsync(arguments, RootDirectory, cancellationToken);
            var counts = TestCounts.FromTrxDirectory(TestResultsDirectory);
            Console.WriteLine(counts.ToString());
            if (counts.Failed > 0)
            {
                throw new BuildStepException($"{counts.Failed} test(s) failed.", $"See the TRX files in {Path.GetRelativePath(RootDirectory, TestResultsDirectory)} or the output above.");
            }

            if (exitCode != 0)
            {
                throw new BuildStepException($"dotnet test exited with code {exitCode}.", counts.Total == 0 ? "No test results were written: did a test host crash, or did --filter match nothing?" : "See the output above.");
            }
        });

    /// <summary>
    /// Builds again as a CI build (source paths mapped to /_/), so that the packages' bytes depend on the commit only,
    /// not on the machine or the folder that packed them.
    /// </summary>
    private Target Pack => _ => _
        .Description("Packs the src/ libraries and the dotnet new template into NuGet packages (with symbols) in output/packages.")
        .DependsOn(Compile)
        .Executes(cancellationToken => DotNet.RunAsync(
            ["pack", Solution, "--no-restore", "--configuration", Configuration.ToString(), "-p:ContinuousIntegrationBuild=true", "--output", PackagesDirectory],
            RootDirectory, cancellationToken));

    private static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
