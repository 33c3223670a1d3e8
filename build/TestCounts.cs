using System.Xml.Linq;

namespace Kiln.RepositoryBuild;

/// <summary>Counts test outcomes from TRX files: the closing "N passed, N failed" line of the Test target.</summary>
internal sealed record TestCounts(int Passed, int Failed, int Skipped)
{
    public int Total => Passed + Failed + Skipped;

    public static TestCounts FromTrxDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return new TestCounts(0, 0, 0);
        }

        int passed = 0, failed = 0, skipped = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*.trx", SearchOption.AllDirectories))
        {
            var document = XDocument.Load(file);
            foreach (var result in document.Descendants().Where(element => element.Name.LocalName == "UnitTestResult"))
            {
                switch ((string?)result.Attribute("outcome"))
                {
                    case "Passed":
                        passed++;
                        break;
                    case "NotExecuted" or "Inconclusive" or "Skipped":
                        skipped++;
                        break;
                    default:
                        failed++;
                        break;
                }
            }
        }
        return new TestCounts(passed, failed, skipped);
    }

    /// <summary>"N passed, N failed", with ", N skipped" only when some were.</summary>
    public override string ToString() => Skipped > 0 ? $"{Passed} passed, {Failed} failed, {Skipped} skipped" : $"{Passed} passed, {Failed} failed";
}
