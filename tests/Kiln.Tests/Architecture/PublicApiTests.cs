using System.Reflection;
using Kiln.Components;
using Kiln.Plugins;
using Kiln.Targets;
using Kiln.Tests.Definitions;
using PublicApiGenerator;

namespace Kiln.Tests.Architecture;

/// <summary>
/// The public API of each shipped assembly (without the config descriptions, which the schema test covers), committed
/// under tests/Kiln.Tests/Architecture/api. A change to it shows in
/// review as a change to that file; KILN_UPDATE_API=1 rewrites the files after an intended change.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies => ["Kiln", "Kiln.Components", "Kiln.Targets"];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_public_API_matches_the_committed_baseline(string name)
    {
        var assembly = name switch
        {
            "Kiln" => typeof(PluginCatalog).Assembly,
            "Kiln.Components" => typeof(IKilnImages).Assembly,
            _ => typeof(IKilnBuild).Assembly,
        };
        var api = Generate(assembly);
        var path = Path.Combine(RepositoryFiles.Root, "tests", "Kiln.Tests", "Architecture", "api", $"{name}.txt");
        if (Environment.GetEnvironmentVariable("KILN_UPDATE_API") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, api);
        }

        Assert.True(File.Exists(path), $"no API baseline at {path}; run the test once with KILN_UPDATE_API=1 and commit it");
        Assert.True(
            File.ReadAllText(path) == api,
            $"the public API of {name} changed. If that is intended, run the test with KILN_UPDATE_API=1 and commit {path}; otherwise make the new types or members internal.");
    }

    private static string Generate(Assembly assembly) =>
        assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false, ExcludeAttributes = ["System.ComponentModel.DescriptionAttribute"] }).ReplaceLineEndings("\n") + "\n";
}
