namespace Kiln.Definitions;

/// <summary>
/// The commit and branch of the repository holding a definition, read from the .git directory itself
/// (worktrees and packed refs included), so interpolation needs no git executable.
/// </summary>
public sealed record GitInfo(string? Sha, string? Branch)
{
    public static GitInfo? Find(string directory)
    {
        try
        {
            for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
            {
                var dotGit = Path.Combine(dir.FullName, ".git");
                if (Directory.Exists(dotGit))
                {
                    return Read(dotGit);
                }

                if (File.Exists(dotGit))
                {
                    var pointer = File.ReadAllText(dotGit).Trim();
                    if (pointer.StartsWith("gitdir:", StringComparison.Ordinal))
                    {
                        var gitDir = Path.GetFullPath(pointer["gitdir:".Length..].Trim(), dir.FullName);
                        return Read(gitDir);
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static GitInfo Read(string gitDir)
    {
        var commonDir = gitDir;
        var commonFile = Path.Combine(gitDir, "commondir");
        if (File.Exists(commonFile))
        {
            commonDir = Path.GetFullPath(File.ReadAllText(commonFile).Trim(), gitDir);
        }

        var head = File.ReadAllText(Path.Combine(gitDir, "HEAD")).Trim();
        if (!head.StartsWith("ref:", StringComparison.Ordinal))
        {
            return new GitInfo(head, null);
        }

        var reference = head["ref:".Length..].Trim();
        var branch = reference.StartsWith("refs/heads/", StringComparison.Ordinal) ? reference["refs/heads/".Length..] : reference;
        return new GitInfo(ResolveRef(gitDir, reference) ?? ResolveRef(commonDir, reference), branch);
    }

    private static string? ResolveRef(string gitDir, string reference)
    {
        var loose = Path.Combine(gitDir, reference);
        if (File.Exists(loose))
        {
            return File.ReadAllText(loose).Trim();
        }

        var packed = Path.Combine(gitDir, "packed-refs");
        if (!File.Exists(packed))
        {
            return null;
        }

        foreach (var line in File.ReadLines(packed))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && parts[1] == reference)
            {
                return parts[0];
            }
        }

        return null;
    }
}
