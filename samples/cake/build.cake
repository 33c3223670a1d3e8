// Kiln inside a Cake build: compile and test the solution, then validate, inspect and build the image definitions.
//   cd samples/cake && dotnet tool restore
//   dotnet cake --nuget_source=../../output/packages          (after ./build.sh Pack at the repository root)
//   dotnet cake --target=InspectImages --templates=../../templates --nuget_source=../../output/packages
// Kiln comes from the packages ./build.sh Pack writes; its dependencies (YamlDotNet, SSH.NET, ...) from NuGet.
#addin nuget:?package=Kiln&version=0.1.0&loaddependencies=true

using Kiln.Images;

var target = Argument("target", "Default");
var configuration = Argument("configuration", "Debug");
var templates = Argument("templates", "templates");
var output = Argument("output", "output/images");
var only = Argument("only", "");
var solution = Argument("solution", "../../Kiln.slnx");

ImageBuildSettings Images() => new()
{
    Templates = templates,
    Output = output,
    Only = string.IsNullOrEmpty(only) ? [] : only.Split(','),
    WorkingDirectory = Context.Environment.WorkingDirectory.FullPath,
};

Task("Compile")
    .Does(() => DotNetBuild(solution, new DotNetBuildSettings { Configuration = configuration }));

Task("Test")
    .IsDependentOn("Compile")
    .Does(() => DotNetTest(solution, new DotNetTestSettings { Configuration = configuration, NoBuild = true }));

Task("ValidateImages")
    .Does(() =>
    {
        var problems = KilnImages.Validate(Images());
        foreach (var problem in problems)
        {
            Error("{0}", problem);
        }

        if (problems.Count > 0)
        {
            throw new CakeException($"{problems.Count} problem(s) in the image definitions");
        }

        Information("image definitions are valid ({0} checked)", KilnImages.Load(Images()).Images.Count);
    });

Task("InspectImages")
    .IsDependentOn("ValidateImages")
    .Does(() => Information("{0}", KilnImages.Inspect(Images())));

Task("BuildImages")
    .IsDependentOn("ValidateImages")
    .Does(async () =>
    {
        var outcome = await KilnImages.BuildAsync(Images());
        foreach (var artifact in outcome.Artifacts)
        {
            Information("{0}: {1}", artifact.Id, string.Join(", ", artifact.Files.Select(f => f.Path)));
        }

        Information("manifest: {0}", outcome.ManifestPath);
        if (!outcome.Succeeded)
        {
            throw new CakeException("image builds failed; see the lines above");
        }
    });

Task("Default")
    .IsDependentOn("Test")
    .IsDependentOn("BuildImages");

RunTarget(target);
