// SPDX-License-Identifier: MIT
/*
 * static-smoke: proves the static prefix links and runs. Touches each library the
 * installer needs: libarchive, libblkid, libmount, and libsodium's SHA-256 and Ed25519.
 * Built and run by scripts/build-static-deps.sh.
 */
#include <archive.h>
#include <blkid/blkid.h>
#include <libmount/libmount.h>
#include <sodium.h>
#include <stdio.h>

int main(void)
{
	static const unsigned char abc[] = "abc";
	unsigned char hash[crypto_hash_sha256_BYTES];
	unsigned char seed[crypto_sign_SEEDBYTES] = { 1 };
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char sig[crypto_sign_BYTES];
	const char *blkid_ver = NULL, *blkid_date = NULL, *mount_ver = NULL;
	int ok;

	if (sodium_init() < 0) {
		fputs("static-smoke: sodium_init failed\n", stderr);
		return 1;
	}
	blkid_get_library_version(&blkid_ver, &blkid_date);
	mnt_get_library_version(&mount_ver);
	printf("libarchive=%s\n", archive_version_string());
	printf("libblkid=%s\n", blkid_ver);
	printf("libmount=%s\n", mount_ver);

	crypto_hash_sha256(hash, abc, 3);
	printf("sha256(abc)=");
	for (size_t i = 0; i < sizeof(hash); i++)
		printf("%02x", hash[i]);
	printf("\n");

	/* A fixed seed keeps the output stable; signing and verifying pulls in Ed25519.
	 */
	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_detached(sig, NULL, abc, 3, sk);
	ok = crypto_sign_verify_detached(sig, abc, 3, pk) == 0;
	printf("ed25519=%s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
