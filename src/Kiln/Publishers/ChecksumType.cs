namespace Kiln.Publishers;

public enum ChecksumType
{
    Sha256,
    Sha512,
}
