using Kiln.Components.Ci;
using Kiln.Images;
using Kiln.Targets;

namespace Kiln.Components;

/// <summary>
/// CI configuration written from the build graph and the image definitions: <c>./build.sh GenerateCi</c> writes a
/// GitHub Actions workflow and an Azure pipeline that fan image builds out over runners (a matrix per wave of
/// <c>depends_on</c>), and <c>MergeManifests</c> joins what those runners produced into one output and manifest.
/// ValidateImages warns when the committed files are stale.
/// </summary>
public interface IKilnCi : IKilnImages
{
    [Parameter("Where GenerateCi writes the GitHub Actions workflow (default: .github/workflows/images.yml).")]
    string GitHubWorkflow => this.Parameter<string>() ?? Path.Combine(".github", "workflows", "images.yml");

    [Parameter("Where GenerateCi writes the Azure Pipelines file (default: azure-pipelines.yml).")]
    string AzurePipeline => this.Parameter<string>() ?? "azure-pipelines.yml";

    [Parameter("For MergeManifests and PublishBuilt: the folder holding one downloaded output folder per CI image job.")]
    string CiInputs => this.Parameter<string>() ?? Path.Combine("output", "ci-inputs");

    CiFiles CiFiles => CiFiles.Generate(ImageSettings, Session.RootDirectory, GitHubWorkflow, AzurePipeline);

    Target GenerateCi => _ => _
        .Description("Writes the GitHub Actions workflow and the Azure pipeline from the build graph and the image definitions.")
        .DependsOn<IKilnImages>(x => x.ValidateImages)
        .Executes(() =>
        {
            var files = CiFiles;
            files.Write();
            Session.Info($"wrote {Path.GetRelativePath(Session.RootDirectory, files.GitHubPath)} and {Path.GetRelativePath(Session.RootDirectory, files.AzurePath)}");
        });

    Target CheckCi => _ => _
        .Description("Warns when the committed CI files differ from what GenerateCi would write.")
        .TriggeredBy<IKilnImages>(x => x.ValidateImages)
        .Executes(() =>
        {
            if (Session.IsScheduled(nameof(GenerateCi)))
            {
                return;
            }

            // The committed files describe the build's own definitions; a one-off --templates folder (a benchmark, an
            // experiment) is not what CI runs, so comparing against it would only cry wolf.
            if (this.Parameter<string>(nameof(Templates)) is { } adHoc)
            {
                Session.Info($"CI files not checked: --templates {adHoc} is not what the committed CI builds");
                return;
            }

            foreach (var path in CiFiles.Stale())
            {
                Session.Warning($"{Path.GetRelativePath(Session.RootDirectory, path)} is stale: run {CiFiles.RegenerateCommand} and commit the result");
            }
        });

    Target PublishBuilt => _ => _
        .Description("Publishes what CI image jobs built (BuildImages --skip PublishImages, downloaded into --ci-inputs): checks every file's sha256 against its manifest, then runs the publishers. Boots and builds nothing.")
        .Executes(async cancellationToken =>
        {
            var outcome = await KilnImages.PublishBuiltAsync(ImageSettings, CiInputs, cancellationToken);
            ImageRuns.Report(this, outcome.Results, outcome.ManifestPath);
        });

    Target MergeManifests => _ => _
        .Description("Joins the output folders of image builds run on separate CI runners into one output and one manifest.")
        .Executes(async cancellationToken =>
        {
            var result = await ManifestMerger.MergeAsync(
                Path.GetFullPath(CiInputs, Session.RootDirectory), Path.GetFullPath(Output, Session.RootDirectory), Guid.NewGuid().ToString(), cancellationToken);
            Session.Info($"merged {result.Builds} build(s) from {result.Inputs} input(s) into {Path.GetRelativePath(Session.RootDirectory, result.ManifestPath)}");
        });
}
