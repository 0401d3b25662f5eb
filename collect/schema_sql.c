/*
 * collect/schema.sql (and its PostgreSQL form, collect/schema_pg.sql) compiled into the binary, so the one documented schema is also the one
 * that creates stores (no copy to drift). The assembler's .incbin includes the file's bytes
 * and a terminating NUL; the Makefile names the .sql file as a prerequisite of this object.
 */
#include "store.h"

extern const char store_schema_text[], store_schema_pg_text[];

__asm__(".pushsection .rodata\n"
        ".global store_schema_text\n"
        ".type store_schema_text, @object\n"
        "store_schema_text:\n"
        ".incbin \"collect/schema.sql\"\n"
        ".byte 0\n"
        ".size store_schema_text, . - store_schema_text\n"
        ".global store_schema_pg_text\n"
        ".type store_schema_pg_text, @object\n"
        "store_schema_pg_text:\n"
        ".incbin \"collect/schema_pg.sql\"\n"
        ".byte 0\n"
        ".size store_schema_pg_text, . - store_schema_pg_text\n"
        ".popsection\n");

const char *store_schema_sql(void)
{
    return store_schema_text;
}

const char *store_schema_pg_sql(void)
{
    return store_schema_pg_text;
}
