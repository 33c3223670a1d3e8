using System.Text;

namespace Kiln.Components.Ci;

/// <summary>
/// Writes <c>azure-pipelines.yml</c>, the same graph as the GitHub workflow: compile/test, matrix jobs per wave of
/// image builds (pull requests stop after validation), then a publish job merging the per-build manifests.
/// Secret variables are mapped into each script's environment explicitly, as Azure requires.
/// </summary>
public static class AzurePipelineWriter
{
    /// <summary>The first step of every job: the SDK that global.json names (Azure checks the repository out itself).</summary>
    private const string Toolchain = """
              - task: UseDotNet@2
                inputs:
                  useGlobalJson: true

        """;

    /// <summary>The NuGet cache of the jobs that restore packages, keyed by what decides the package set.</summary>
    private const string NuGetCache = """
              - task: Cache@2
                inputs:
                  key: 'nuget | "$(Agent.OS)" | Directory.Packages.props, global.json'
                  path: $(NUGET_PACKAGES)

        """;

    /// <summary>What the matrix entry's build runs on the host, as its plugins declare it (hosted agents have none of it).</summary>
    private const string InstallHostTools = """
              - script: sudo apt-get update && sudo apt-get install -y --no-install-recommends $(packages)
                displayName: Install host tools
                condition: and(succeeded(), ne(variables['packages'], ''))

        """;

    public static string Write(CiPlan plan, string regenerateCommand)
    {
        var y = new StringBuilder();
        y.Append(GeneratedHeader.For(regenerateCommand));
        y.Append($$"""
            trigger:
              branches:
                include: [main]
              tags:
                include: ['v*']

            pr:
              branches:
                include: ['*']

            pool:
              vmImage: ubuntu-latest

            variables:
              DOTNET_NOLOGO: 'true'
              DOTNET_CLI_TELEMETRY_OPTOUT: 'true'
              NUGET_PACKAGES: $(Pipeline.Workspace)/.nuget/packages
              KILN_CACHE: $(Pipeline.Workspace)/.cache/kiln

            jobs:
              - job: build
                displayName: Compile, test, validate
                steps:

            """);
        y.Append(Toolchain).Append(NuGetCache);
        y.Append($$"""
                  - script: {{plan.BuildScript}} Test ValidateImages --templates {{plan.Templates}}
                    displayName: Test and validate

            """);
        var previous = "build";
        var allJobs = new List<string> { "build" };
        foreach (var wave in plan.Waves)
        {
            y.Append($$"""
                  - job: {{wave.JobId}}
                    displayName: Images (wave {{wave.Number}})
                    dependsOn: [{{previous}}]
                    condition: and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))
                    strategy:
                      matrix:

                """);
            foreach (var build in wave.Builds)
            {
                y.Append($"        {MatrixKey(build)}: {{ image: {build.Image}, source: {build.Source}, packages: '{build.PackageList}' }}\n");
            }

            y.Append("    steps:\n").Append(Toolchain).Append(NuGetCache).Append(InstallHostTools);
            y.Append($$"""
                      - task: Cache@2
                        inputs:
                          key: 'kiln | "$(Agent.OS)" | "$(image)-$(source)" | {{plan.Templates}}/**'
                          restoreKeys: 'kiln | "$(Agent.OS)" | "$(image)-$(source)"'
                          path: $(KILN_CACHE)

                """);
            if (wave.Number > 1)
            {
                y.Append(MergeDownloadedOutputs(plan.BuildScript, "Merge the outputs this wave depends on"));
            }

            y.Append($$"""
                      - script: {{plan.BuildScript}} BuildImages --templates {{plan.Templates}} --image $(image) --only $(source) --output output/images
                        displayName: Build $(image) / $(source)

                """);
            AppendSecrets(y, wave.Secrets, "        ");
            y.Append($$"""
                      - publish: output/images
                        artifact: image-$(image)-$(source)

                """);
            previous = wave.JobId;
            allJobs.Add(wave.JobId);
        }

        y.Append($$"""
              - job: publish
                displayName: Merge manifests and publish
                dependsOn: [{{string.Join(", ", allJobs)}}]
                condition: and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))
                steps:

            """);
        y.Append(Toolchain).Append(MergeDownloadedOutputs(plan.BuildScript, "Merge manifests"));
        AppendSecrets(y, [.. plan.Waves.SelectMany(w => w.Secrets).Distinct().OrderBy(s => s.EnvironmentVariable, StringComparer.Ordinal)], "        ");
        y.Append("""
                  - publish: output/images
                    artifact: images

            """);
        return y.ToString();
    }

    /// <summary>Steps that fetch the outputs earlier image jobs published and merge them into one output and manifest.</summary>
    private static string MergeDownloadedOutputs(string buildScript, string displayName) => $"""
              - task: DownloadPipelineArtifact@2
                inputs:
                  itemPattern: 'image-*/**'
                  targetPath: output/ci-inputs
              - script: {buildScript} MergeManifests --ci-inputs output/ci-inputs --output output/images
                displayName: {displayName}

        """;

    private static string MatrixKey(CiBuild build) => $"{build.Image}_{build.Source}".Replace('-', '_');

    private static void AppendSecrets(StringBuilder y, IReadOnlyList<CiSecret> secrets, string indent)
    {
        if (secrets.Count == 0)
        {
            return;
        }

        y.Append(indent).Append("env:\n");
        foreach (var secret in secrets)
        {
            y.Append(indent).Append($"  {secret.EnvironmentVariable}: $({secret.SecretName})\n");
        }
    }
}
